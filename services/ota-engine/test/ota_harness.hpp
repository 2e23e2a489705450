#pragma once
// Shared by the ota-engine's component and end-to-end tests: the partners
// as real processes (caas-iot-sim with its signed command-status webhooks
// into the real caas-webhook-ingress, onto an in-process Kafka-protocol
// broker), the records other services write (order.delivered,
// vehicle.online), HTTP calls with a deadline, and read-outs of the topics
// and of the simulator. Header-only, test code. Every wait is bounded.

#include "domain/ota_events.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/http/client.hpp>
#include <caas/security/identity.hpp>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "eventually.hpp"
#include "local_resources.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace caas::ota::test {

using namespace std::chrono_literals;
namespace json = caas::events::json;

inline constexpr const char* kOperatorKey = "ota-operator-key-0123456789";
inline constexpr const char* kDealerKey = "ota-dealer-key-01234567890";
inline constexpr const char* kTokenSecret = "ota-token-secret-for-tests-0123456789";
inline constexpr const char* kIotToken = "ota-iot-api-token";
inline constexpr const char* kIotSecret = "ota-iot-webhook-secret";

inline std::string customer_token(const std::string& customer) {
  const auto now = std::chrono::system_clock::now();
  return "Bearer " + security::issue_token({customer, security::Role::customer, now + 1h, now}, kTokenSecret);
}

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  rapidjson::Document json() const {
    auto d = events::parse_strict_json(body);
    if (!d) throw std::runtime_error("not JSON: " + body);
    return std::move(d.value());
  }
  std::string str(const char* field) const {
    auto d = events::parse_strict_json(body);
    return d ? json::str(*d, field) : std::string();
  }
};

inline Reply call(std::uint16_t port, const std::string& method, const std::string& path,
                  const std::string& credential = kOperatorKey, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}) {
  thread_local http::HttpClient client;
  http::ClientRequest req{method, "http://127.0.0.1:" + std::to_string(port) + path, {}, body};
  if (credential.rfind("Bearer ", 0) == 0) {
    req.headers.set("Authorization", credential);
  } else if (!credential.empty()) {
    req.headers.set("X-API-Key", credential);
  }
  if (!body.empty()) req.headers.set("Content-Type", "application/json");
  for (const auto& [k, v] : headers) req.headers.set(k, v);
  auto r = client.request(req, 15s);
  if (!r) return {0, r.error().message, {}};
  Reply out{r->status, r->body, {}};
  for (const auto& [k, v] : r->headers) out.headers[k] = v;
  return out;
}

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline kafka::Record record_of(std::string_view topic, std::string_view type, std::string_view source,
                               const std::string& key, const std::string& data) {
  auto env = events::make_envelope(type, source, key, data, "corr-" + key, "");
  REQUIRE(env);
  kafka::Record r{std::string(topic), key, events::serialize(*env), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(*env)) r.headers.push_back({k, v});
  return r;
}

/// order.delivered as the order service writes it.
inline kafka::Record delivered(const std::string& vin, const std::string& customer, const std::string& platform) {
  const auto order = "order-" + vin;
  const auto data = R"({"order_id":")" + order + R"(","order_number":"ORD-2026-000123","customer_id":")" + customer +
                    R"(","vin":")" + vin + R"(","platform_base":")" + platform +
                    R"(","delivered_at":"2026-11-20T10:00:00Z"})";
  return record_of(kOrderEventsTopic, "order.delivered", "caas/order", order, data);
}

/// vehicle.online as telemetry-ingest writes it.
inline kafka::Record vehicle_online(const std::string& vin, std::uint64_t seq) {
  const auto data =
      R"({"vin":")" + vin + R"(","online_since":")" + iso_ms(now_ms()) + R"(","seq":)" + std::to_string(seq) + "}";
  return record_of(kVehicleEventsTopic, "vehicle.online", "caas/telemetry-ingest", vin, data);
}

struct Seen {
  std::string id;
  std::string type;
  std::string key;
  std::string data;
};

inline std::vector<Seen> topic_events(const std::string& bootstrap, std::string_view topic) {
  std::vector<Seen> out;
  for (const auto& r : devbroker::testing::consume_all(bootstrap, std::string(topic))) {
    auto e = events::parse_envelope(r.value);
    REQUIRE(e);
    out.push_back({e->id, e->type, r.key, e->data});
  }
  return out;
}

inline std::size_t count(const std::vector<Seen>& seen, std::string_view type, const std::string& key = "") {
  std::size_t n = 0;
  for (const auto& s : seen) n += s.type == type && (key.empty() || s.key == key) ? 1 : 0;
  return n;
}

/// The simulator and the ingress (and the broker), each in its own directory.
class Partners {
 public:
  Partners(const std::string& tag, int vehicles, std::vector<std::string> sim_args = {})
      : dir_(testing::fresh_dir(tag)), cluster_(std::make_unique<devbroker::MockCluster>(1)) {
    std::ofstream(dir_ / "iot.token") << kIotToken << "\n";
    std::ofstream(dir_ / "iot.secret") << kIotSecret << "\n";
    std::ofstream(dir_ / "factory.secret") << "ota-factory-secret-unused\n";
    std::ofstream(dir_ / "api-keys") << kOperatorKey << " operator ops-1\n" << kDealerKey << " dealer D1\n";
    std::ofstream(dir_ / "token.secret") << kTokenSecret << "\n";
    ingress_port_ = testing::free_port();
    ingress_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{CAAS_INGRESS_BINARY},
        std::map<std::string, std::string>{{"CAAS_KAFKA_BOOTSTRAP", cluster_->bootstrap()},
                                           {"CAAS_DATA_DIR", (dir_ / "ingress-data").string()},
                                           {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
                                           {"CAAS_HTTP_PORT", std::to_string(ingress_port_)},
                                           {"CAAS_LOG_LEVEL", "warn"},
                                           {"CAAS_INSTANCE_ID", "ingress-" + tag},
                                           {"CAAS_KAFKA_FETCH_WAIT_MAX", "10ms"},
                                           {"CAAS_IOT_WEBHOOK_SECRETS_FILE", (dir_ / "iot.secret").string()},
                                           {"CAAS_FACTORY_WEBHOOK_SECRETS_FILE", (dir_ / "factory.secret").string()}});
    REQUIRE(testing::eventually([&] { return call(ingress_port_, "GET", "/readyz", "").status == 200; }, 60s));
    std::vector<std::string> argv{
        CAAS_IOT_SIM_BINARY,
        "--port",
        "0",
        "--port-file",
        (dir_ / "iot-sim.port").string(),
        "--api-token-file",
        (dir_ / "iot.token").string(),
        "--webhook-secret-file",
        (dir_ / "iot.secret").string(),
        "--command-status-url",
        "http://127.0.0.1:" + std::to_string(ingress_port_) + "/api/v1/webhooks/iot/command-status",
        "--vehicles",
        std::to_string(vehicles),
        "--seed",
        "14",
        "--apply-delay",
        "50ms",
        "--retry-base",
        "50ms",
        "--hold",
        "2s",
        "--log-level",
        "warn"};
    for (auto& a : sim_args) argv.push_back(std::move(a));
    sim_ = std::make_unique<testing::ChildProcess>(argv);
    REQUIRE(sim_->wait_for_line("caas-iot-sim listening", 20s));
    int port = 0;
    std::ifstream(dir_ / "iot-sim.port") >> port;
    REQUIRE(port > 0);
    sim_port_ = static_cast<std::uint16_t>(port);
  }
  ~Partners() {
    sim_.reset();
    ingress_.reset();
  }

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& bootstrap() const { return cluster_->bootstrap(); }
  std::uint16_t sim_port() const { return sim_port_; }
  std::string sim_url() const { return "http://127.0.0.1:" + std::to_string(sim_port_); }

  /// The OTA engine's environment against these partners.
  std::map<std::string, std::string> ota_env(const std::string& data_dir) const {
    return {{"CAAS_KAFKA_BOOTSTRAP", bootstrap()},
            {"CAAS_DATA_DIR", data_dir},
            {"CAAS_HTTP_PORT", "0"},
            {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
            {"CAAS_LOG_LEVEL", "warn"},
            {"CAAS_INSTANCE_ID", "ota-test"},
            {"CAAS_SHUTDOWN_GRACE", "5s"},
            {"CAAS_KAFKA_FETCH_WAIT_MAX", "10ms"},
            {"CAAS_IOT_API_URL", sim_url()},
            {"CAAS_IOT_API_TOKEN_FILE", (dir_ / "iot.token").string()},
            {"CAAS_API_KEYS_FILE", (dir_ / "api-keys").string()},
            {"CAAS_TOKEN_SECRET_FILE", (dir_ / "token.secret").string()},
            {"CAAS_OTA_CATALOGUE_FILE", CAAS_OTA_CATALOGUE_FILE_PATH},
            {"CAAS_OTA_RETRY_SCALE", "0.05"},
            {"CAAS_OTA_TIMER_INTERVAL_MS", "20"},
            {"CAAS_OTA_IOT_TIMEOUT", "1s"}};
  }

  /// (vin, platform) of the simulator's fleet, in its order.
  std::vector<std::pair<std::string, std::string>> fleet() const {
    auto r = call(sim_port_, "GET", "/control/vehicles", "");
    REQUIRE(r.status == 200);
    std::vector<std::pair<std::string, std::string>> out;
    auto d = r.json();
    for (const auto& v : d["vehicles"].GetArray()) out.emplace_back(json::str(v, "vin"), json::str(v, "platform"));
    return out;
  }
  /// The first vehicle of `platform` not in `taken`.
  std::string vehicle_of(const std::string& platform, std::set<std::string>& taken) const {
    for (const auto& [vin, p] : fleet()) {
      if (p == platform && taken.insert(vin).second) return vin;
    }
    FAIL("no free vehicle of platform " << platform);
    return {};
  }
  /// A free vehicle of `platform`, delivered to `customer` (order.delivered on the broker).
  std::string deliver(const std::string& platform, const std::string& customer, std::set<std::string>& taken) const {
    auto vin = vehicle_of(platform, taken);
    produce({delivered(vin, customer, platform)});
    return vin;
  }
  void faults(const std::string& patch) const {
    auto r = call(sim_port_, "POST", "/control/faults", "", patch);
    INFO(r.body);
    REQUIRE(r.status == 200);
  }
  /// The simulator's read-out of every command a vehicle received.
  rapidjson::Document commands(const std::string& vin) const {
    auto r = call(sim_port_, "GET", "/control/commands?vin=" + vin, "");
    REQUIRE(r.status == 200);
    return r.json();
  }
  std::string configuration(const std::string& vin, const char* param) const {
    auto r = call(sim_port_, "GET", "/control/vehicles/" + vin, "");
    REQUIRE(r.status == 200);
    auto d = r.json();
    return events::to_json(d["configuration"][param]);
  }
  void produce(const std::vector<kafka::Record>& records) const {
    devbroker::testing::produce_all(bootstrap(), records);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<devbroker::MockCluster> cluster_;
  std::uint16_t ingress_port_ = 0;
  std::uint16_t sim_port_ = 0;
  std::unique_ptr<testing::ChildProcess> ingress_;
  std::unique_ptr<testing::ChildProcess> sim_;
};

/// Buys (POST activation) and returns the reply.
inline Reply purchase(std::uint16_t port, const std::string& vin, const std::string& code,
                      const std::string& credential = kOperatorKey, const std::string& key = "",
                      const std::string& payment = "pay-auth-1") {
  std::map<std::string, std::string> headers;
  if (!key.empty()) headers["Idempotency-Key"] = key;
  return call(port, "POST", "/api/v1/vehicles/" + vin + "/services/" + code + "/activation", credential,
              R"({"payment_authorization":")" + payment + R"("})", headers);
}

/// Waits until the engine knows the vehicle's delivery.
inline void wait_known(std::uint16_t port, const std::string& vin) {
  REQUIRE(testing::eventually([&] { return call(port, "GET", "/api/v1/vehicles/" + vin + "/services").status == 200; },
                              20s));
}

inline bool terminal_state(const std::string& s) {
  return s == "ACTIVE" || s == "ESCALATED" || s == "DEACTIVATED";
}

/// Waits until the activation is terminal; returns its view.
inline rapidjson::Document wait_terminal(std::uint16_t port, const std::string& id,
                                         std::chrono::milliseconds timeout = 60s) {
  Reply last;
  const bool done = testing::eventually(
      [&] {
        last = call(port, "GET", "/api/v1/activations/" + id);
        return last.status == 200 && terminal_state(last.str("state"));
      },
      timeout);
  INFO(id << ": " << last.status << " " << last.body);
  REQUIRE(done);
  return last.json();
}

}  // namespace caas::ota::test
