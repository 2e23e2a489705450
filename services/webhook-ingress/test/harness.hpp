#pragma once
// The real service wiring in process: ServiceRuntime + IngressService on an
// ephemeral port, against an in-process MockCluster, configured through an
// injected environment (no process-wide setenv).

#include "app/ingress_service.hpp"
#include "test_client.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/security/webhook_signature.hpp>

#include "eventually.hpp"
#include "local_resources.hpp"
#include "service_harness.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

namespace caas::ingress::test {

inline constexpr const char* kFactorySecret = "factory-secret-current";
inline constexpr const char* kFactorySecretOld = "factory-secret-previous";
inline constexpr const char* kIotSecret = "iot-secret-current";
inline constexpr const char* kIotSecretOld = "iot-secret-previous";
inline constexpr const char* kFactoryPath = "/api/v1/webhooks/factory/status";
inline constexpr const char* kTelemetryPath = "/api/v1/webhooks/iot/telemetry";
inline constexpr const char* kCommandPath = "/api/v1/webhooks/iot/command-status";

/// A fresh scratch directory: secrets files, data, a test's own files.
inline std::filesystem::path fresh_dir(const std::string& tag) {
  return testing::fresh_dir("ingress-" + tag);
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

/// Secrets files + the base environment of an ingress under test.
inline testing::EnvMap base_env(const std::filesystem::path& dir, const std::string& bootstrap) {
  write_file(dir / "factory.secrets", std::string(kFactorySecret) + "\n" + kFactorySecretOld + "\n");
  write_file(dir / "iot.secrets", std::string(kIotSecret) + "\n" + kIotSecretOld + "\n");
  return {{"CAAS_KAFKA_BOOTSTRAP", bootstrap},
          {"CAAS_DATA_DIR", (dir / "data").string()},
          {"CAAS_HTTP_PORT", "0"},
          {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
          {"CAAS_LOG_LEVEL", "error"},
          {"CAAS_SHUTDOWN_GRACE", "5s"},
          {"CAAS_FACTORY_WEBHOOK_SECRETS_FILE", (dir / "factory.secrets").string()},
          {"CAAS_IOT_WEBHOOK_SECRETS_FILE", (dir / "iot.secrets").string()}};
}

class Harness {
 public:
  Harness(devbroker::MockCluster& cluster, std::map<std::string, std::string> overrides = {},
          events::Clock clock = events::system_now)
      : dir_(fresh_dir("component")) {
    auto env = base_env(dir_, cluster.bootstrap());
    for (auto& [k, v] : overrides) env[k] = v;
    running_ = std::make_unique<testing::RunningService<IngressService>>(
        "webhook-ingress", "test", env, std::make_unique<IngressService>(std::move(clock)));
    port_ = running_->port();
  }
  ~Harness() {
    running_.reset();  // stopped before its data directory goes
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::uint16_t port() const { return port_; }
  /// The ingress's own store (read it to check what a request left behind).
  store::StateStore& store() { return running_->runtime().store(); }
  const std::filesystem::path& dir() const { return dir_; }
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    return testing::eventually(
        [&] {
          auto r = request(port_, "GET", "/readyz", {}, "");
          return r && r->status == 200;
        },
        timeout);
  }
  int readyz() const {
    auto r = request(port_, "GET", "/readyz", {}, "");
    return r ? r->status : 0;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<testing::RunningService<IngressService>> running_;
  std::uint16_t port_ = 0;
};

/// `data` members of every record in `topic`, plus key, by position.
struct TopicRecord {
  std::string key;
  std::string event_id;
  std::string type;
  std::string request_id;
  std::string data;
};
inline std::vector<TopicRecord> read_topic(const std::string& bootstrap, const std::string& topic,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  std::vector<TopicRecord> out;
  for (auto& r : devbroker::testing::consume_all(bootstrap, topic, timeout)) {
    auto env = events::parse_envelope(r.value);
    if (!env) throw std::runtime_error("bad envelope in " + topic + ": " + env.error().message);
    auto data = events::parse_strict_json(env->data);
    std::string rid;
    if (data && data->IsObject() && data->HasMember("request_id") && (*data)["request_id"].IsString()) {
      rid = (*data)["request_id"].GetString();
    }
    out.push_back({r.key, env->id, env->type, rid, env->data});
  }
  return out;
}

inline std::string factory_body(const std::string& order_id, const std::string& status = "SHIPPED",
                                const std::string& timestamp = "2024-02-01T10:00:00Z") {
  return R"({"order_id":")" + order_id + R"(","status":")" + status + R"(","timestamp":")" + timestamp +
         R"(","estimated_completion_date":"2024-02-03","notes":"Dispatched via transport contractor ABC-TRANS-001","location":"In Transit - Madrid Route"})";
}

inline std::string recent_time() {
  return events::format_rfc3339(std::chrono::system_clock::now() - std::chrono::hours(1));
}

inline std::string reading(const std::string& vin, int seq, const std::string& time = recent_time()) {
  return R"({"vin":")" + vin + R"(","seq":)" + std::to_string(seq) + R"(,"time":")" + time +
         R"(","position":{"lat":40.4168,"lon":-3.7038},"operational_state":"PARKED","configuration":{"power_mode":"HIGH","snow_mode_available":1},"diagnostics":[{"code":"P0420","severity":"warning"}],"connectivity":{"signal_dbm":-85,"network":"LTE"}})";
}

}  // namespace caas::ingress::test
