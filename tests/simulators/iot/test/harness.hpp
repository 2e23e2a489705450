#pragma once
// Component-test harness: the simulator in process on an ephemeral port
// (sim::test::SimulatorHarness) and a webhook receiver standing in for the
// webhook-ingress: it verifies every Standard Webhooks signature and
// timestamp, and checks every reading and command status with the ingress's
// own field rules and JSON Schemas (caas_webhook_ingress_lib), so what the
// simulator sends is known to be accepted field for field.

#include "app/simulator.hpp"

#include "domain/record_builder.hpp"
#include "domain/source_config.hpp"
#include "domain/validation.hpp"

#include <caas/sim/test/simulator_harness.hpp>

#include <caas/events/json.hpp>
#include <caas/events/schema_registry.hpp>
#include <caas/http/client.hpp>
#include <caas/http/server.hpp>
#include <caas/security/secrets.hpp>
#include <caas/security/webhook_signature.hpp>

#include <catch2/catch.hpp>

#include "eventually.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace caas::iot_sim::test {

using namespace std::chrono_literals;

inline constexpr const char* kToken = "iot-api-token-0123456789";
inline constexpr const char* kSecret = "iot-webhook-secret";
inline constexpr const char* kTelemetryPath = "/api/v1/webhooks/iot/telemetry";
inline constexpr const char* kCommandStatusPath = "/api/v1/webhooks/iot/command-status";

using sim::test::parse;
using sim::test::str;

/// The webhook-ingress's two IoT endpoints, as far as the partner can tell.
class WebhookReceiver {
 public:
  struct Delivery {
    std::string path;
    std::string webhook_id;
    std::string timestamp;
    std::string body;
    int answered = 200;
  };

  WebhookReceiver()
      : secrets_(security::SecretSet::from_bytes({kSecret})), schemas_(std::filesystem::path(CAAS_SCHEMA_DIR)) {
    http::Router router;
    router.add_sync("POST", kTelemetryPath, [this](const http::Request& r) { return handle(r); });
    router.add_sync("POST", kCommandStatusPath, [this](const http::Request& r) { return handle(r); });
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.threads = 2;
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->start();
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  /// The next answers on `path`, in order, before 200 again.
  void answer_next(const std::string& path, std::vector<int> statuses) {
    std::lock_guard lock(mutex_);
    auto& s = script_[path];
    s.insert(s.end(), statuses.begin(), statuses.end());
  }

  /// Every delivery attempt on `path` (all of them when empty), in arrival order.
  std::vector<Delivery> deliveries(const std::string& path = {}) const {
    std::lock_guard lock(mutex_);
    std::vector<Delivery> out;
    for (const auto& d : all_) {
      if (path.empty() || d.path == path) out.push_back(d);
    }
    return out;
  }
  /// The command statuses accepted (answered 200) for `command_id`, in order.
  std::vector<rapidjson::Document> statuses_of(const std::string& command_id) const {
    std::vector<rapidjson::Document> out;
    for (const auto& d : deliveries(kCommandStatusPath)) {
      if (d.answered != 200) continue;
      auto doc = parse(d.body);
      if (str(doc["command_id"]) == command_id) out.push_back(std::move(doc));
    }
    return out;
  }
  /// Every reading accepted (answered 200), in arrival order.
  std::vector<rapidjson::Document> readings() const {
    std::vector<rapidjson::Document> out;
    for (const auto& d : deliveries(kTelemetryPath)) {
      if (d.answered != 200) continue;
      auto doc = parse(d.body);
      for (auto& r : doc["readings"].GetArray()) {
        rapidjson::Document one;
        one.CopyFrom(r, one.GetAllocator());
        out.push_back(std::move(one));
      }
    }
    return out;
  }
  /// Signatures or payloads the ingress would have refused.
  std::vector<std::string> refusals() const {
    std::lock_guard lock(mutex_);
    return refusals_;
  }

  bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      lock.unlock();
      const bool done = condition();
      lock.lock();
      return done;
    });
  }

 private:
  /// Signature (±5 min), JSON, field rules and schema, like the ingress.
  std::optional<std::string> refusal(const http::Request& r, const std::string& id, const std::string& timestamp) {
    const auto now = std::chrono::system_clock::now();
    auto verified = security::verify_standard_webhook(id, timestamp, r.body, r.header("webhook-signature").value_or(""),
                                                      secrets_, now);
    if (!verified) return "signature: " + verified.error().message;
    if (!ingress::valid_identifier(id, 128)) return "webhook-id: " + id;
    auto doc = events::parse_strict_json(r.body);
    if (!doc || !doc->IsObject()) return "body is not a JSON object";
    const bool telemetry = r.path == kTelemetryPath;
    std::vector<const rapidjson::Value*> items;
    if (telemetry) {
      auto it = doc->FindMember("readings");
      if (it == doc->MemberEnd() || !it->value.IsArray() || it->value.Empty() || it->value.Size() > 500) {
        return "readings must be an array of 1..500";
      }
      for (const auto& item : it->value.GetArray()) items.push_back(&item);
    } else {
      items.push_back(&*doc);
    }
    const ingress::Receipt receipt{events::format_rfc3339(now), telemetry ? "iot-telemetry" : "iot-command-status",
                                   r.request_id, verified->id, id};
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto validator = telemetry ? ingress::Validator::iot_reading : ingress::Validator::iot_command_status;
      if (auto e = ingress::validate_item(validator, *items[i], now, "readings[" + std::to_string(i) + "]")) {
        return e->field + ": " + e->message;
      }
      auto checked = schemas_.validate_json(telemetry ? "ingress.iot-telemetry.v1" : "ingress.iot-command-status.v1",
                                            ingress::build_data(*items[i], receipt));
      if (!checked) return checked.error().message;
    }
    return std::nullopt;
  }

  http::Response handle(const http::Request& r) {
    const std::string id(r.header("webhook-id").value_or(""));
    const std::string timestamp(r.header("webhook-timestamp").value_or(""));
    auto refused = refusal(r, id, timestamp);
    std::lock_guard lock(mutex_);
    Delivery d{r.path, id, timestamp, r.body, 200};
    if (refused) {
      refusals_.push_back(*refused);
      d.answered = 400;
    } else if (auto& s = script_[r.path]; !s.empty()) {
      d.answered = s.front();
      s.pop_front();
    }
    all_.push_back(d);
    cv_.notify_all();
    if (d.answered != 200) return http::error_response(d.answered, "scripted", refused.value_or("scripted answer"));
    return http::Response::json(200, R"({"received":true,"webhook_id":")" + id + R"("})");
  }

  security::SecretSet secrets_;
  events::SchemaRegistry schemas_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::deque<int>> script_;
  std::vector<Delivery> all_;
  std::vector<std::string> refusals_;
  std::unique_ptr<http::Server> server_;  // last: stopped before the state above goes away
};

class Harness : public sim::test::SimulatorHarness<IotSimulator> {
 public:
  explicit Harness(const std::function<void(SimulatorConfig&)>& tweak = {}) {
    SimulatorConfig c;
    c.api_tokens = {kToken, "second-token"};
    c.telemetry_url = receiver.base() + kTelemetryPath;
    c.command_status_url = receiver.base() + kCommandStatusPath;
    c.webhook_secret = kSecret;
    c.vehicles = 5;
    c.seed = 7;
    c.telemetry_interval = 50ms;
    c.batch_size = 4;
    c.network.apply_delay = 30ms;
    c.network.command_ttl = 2s;
    c.hold = 2s;
    c.retry.base = 20ms;
    c.retry.retry_after_cap = 50ms;
    c.webhook_timeout = 1s;
    if (tweak) tweak(c);
    start(std::move(c), "iot-sim");
    auto fleet = control("GET", "/control/vehicles");
    for (const auto& v : fleet["vehicles"].GetArray()) vins.push_back(str(v["vin"]));
  }
  // The simulator's senders stop before the receiver they deliver to.
  ~Harness() { sim.reset(); }

  Result<http::Response> api(const std::string& method, const std::string& path, const std::string& body = {},
                             const std::string& token = kToken,
                             std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    http::ClientRequest r{method, base + path, {}, body};
    if (!body.empty()) r.headers.set("Content-Type", "application/json");
    if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
    return client.request(r, timeout);
  }

  Result<http::Response> configure(const std::string& vin, const std::string& command_id, const std::string& params,
                                   const std::string& token = kToken) {
    return api("POST", "/api/v1/vehicles/" + vin + "/configuration",
               R"({"command_id":")" + command_id + R"(","parameters":)" + params + "}", token);
  }

  /// A configuration that must be answered 202.
  rapidjson::Document configure_ok(const std::string& vin, const std::string& command_id, const std::string& params) {
    auto r = configure(vin, command_id, params);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 202);
    return parse(r->body);
  }

  rapidjson::Document status(const std::string& vin) {
    auto r = api("GET", "/api/v1/vehicles/" + vin + "/status");
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    return parse(r->body);
  }

  /// The simulator's record of a command (GET /control/commands?vin=).
  rapidjson::Document command_record(const std::string& vin, const std::string& command_id) {
    auto all = control("GET", "/control/commands?vin=" + vin);
    for (auto& c : all["commands"].GetArray()) {
      if (str(c["command_id"]) == command_id) {
        rapidjson::Document one;
        one.CopyFrom(c, one.GetAllocator());
        return one;
      }
    }
    FAIL("no command " << command_id << " for " << vin);
    return {};
  }

  /// Waits until `n` statuses of `command_id` were accepted by the receiver.
  bool wait_statuses(const std::string& command_id, std::size_t n, std::chrono::milliseconds timeout = 10s) {
    return receiver.wait_for([&] { return receiver.statuses_of(command_id).size() >= n; }, timeout);
  }

  /// Waits until no telemetry batch is queued or being sent.
  bool wait_telemetry_drained(std::chrono::milliseconds timeout = 5s) {
    return caas::testing::eventually(
        [&] {
          auto s = stats();
          return s["telemetry_webhooks"]["waiting"].GetUint64() == 0 &&
                 s["telemetry_webhooks"]["in_flight"].GetUint64() == 0;
        },
        timeout);
  }

  WebhookReceiver receiver;  // before the simulator: it must outlive its senders
  std::vector<std::string> vins;
};

inline std::vector<std::string> results_of(const std::vector<rapidjson::Document>& statuses) {
  std::vector<std::string> out;
  for (const auto& s : statuses) out.push_back(str(s["result"]));
  return out;
}

}  // namespace caas::iot_sim::test
