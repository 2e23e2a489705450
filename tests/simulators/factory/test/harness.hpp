#pragma once
// Component-test harness: the simulator in process on an ephemeral port
// (sim::test::SimulatorHarness), a webhook receiver built on caas::http that
// checks every signature (the stand-in for webhook-ingress), and a
// caas::http::HttpClient to drive both.

#include "app/simulator.hpp"

#include <caas/sim/test/simulator_harness.hpp>

#include <caas/events/json.hpp>
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
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace caas::factory_sim::test {

using namespace std::chrono_literals;

inline constexpr const char* kToken = "factory-api-token-0123456789";
inline constexpr const char* kReadOnlyToken = "factory-read-only-token-0123";
inline constexpr const char* kSecret = "factory-webhook-secret";
inline constexpr const char* kWebhookPath = "/api/v1/webhooks/factory/status";

inline const char* kOrderBody = R"({"customer_id":"CAAS-CUST-123456",
 "vehicle_specification":{"platform_base":"SUV_ELECTRIC_2024","initial_options":["POWER_BOOST_50","ADAS_LEVEL_2"],
   "color":"MIDNIGHT_BLUE","interior":"PREMIUM_LEATHER"},
 "dealership_id":"DEALER-ES-001",
 "delivery_address":{"street":"Calle Principal 123","city":"Madrid","postal_code":"28001","country":"ES"},
 "plan_comercial":{"maintenance_included":true,"warranty_years":5,"opciones_permanentes":["POWER_BOOST_50"]}})";

/// The seed-000 body with another customer, so each test's orders differ.
inline std::string order_body(const std::string& customer = "CAAS-CUST-123456") {
  std::string body = kOrderBody;
  body.replace(body.find("CAAS-CUST-123456"), 16, customer);
  return body;
}

using sim::test::parse;
using sim::test::str;

/// A factory webhook endpoint: verifies X-Factory-Signature, records what it
/// accepted, answers scripted statuses first (503, 404, 400...), then 200.
class WebhookReceiver {
 public:
  struct Webhook {
    std::string body;
    std::string order_id;
    std::string status;
    std::string timestamp;
    int answered = 200;
  };

  WebhookReceiver() : secrets_(security::SecretSet::from_bytes({kSecret})) {
    http::Router router;
    router.add_sync("POST", kWebhookPath, [this](const http::Request& r) { return handle(r); });
    http::ServerOptions options;
    options.address = "127.0.0.1";
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->start();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + kWebhookPath; }

  /// The next answers, in order, before 200 again.
  void answer_next(std::vector<int> statuses) {
    std::lock_guard lock(mutex_);
    script_.insert(script_.end(), statuses.begin(), statuses.end());
  }

  /// Webhooks answered 200 (in arrival order), for one order or all.
  std::vector<Webhook> accepted(const std::string& order_id = {}) const {
    std::lock_guard lock(mutex_);
    std::vector<Webhook> out;
    for (const auto& w : all_) {
      if (w.answered == 200 && (order_id.empty() || w.order_id == order_id)) out.push_back(w);
    }
    return out;
  }
  std::vector<Webhook> all() const {
    std::lock_guard lock(mutex_);
    return all_;
  }
  int bad_signatures() const {
    std::lock_guard lock(mutex_);
    return bad_signatures_;
  }

  /// Waits until `n` webhooks of `order_id` were accepted.
  bool wait_accepted(const std::string& order_id, std::size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      std::size_t count = 0;
      for (const auto& w : all_) count += (w.answered == 200 && w.order_id == order_id) ? 1 : 0;
      return count >= n;
    });
  }

 private:
  http::Response handle(const http::Request& r) {
    std::lock_guard lock(mutex_);
    auto sig = r.header("X-Factory-Signature");
    if (!sig || !security::verify_factory_signature(r.body, *sig, secrets_) ||
        r.header("Content-Type").value_or("") != "application/json") {
      ++bad_signatures_;
      return http::Response::json(400, R"({"error":"Invalid signature","received":false})");
    }
    auto doc = events::parse_strict_json(r.body);
    Webhook w{r.body, "", "", "", 200};
    if (doc && doc->IsObject()) {
      w.order_id = (*doc)["order_id"].GetString();
      w.status = (*doc)["status"].GetString();
      w.timestamp = (*doc)["timestamp"].GetString();
    }
    if (!script_.empty()) {
      w.answered = script_.front();
      script_.pop_front();
    }
    all_.push_back(w);
    cv_.notify_all();
    if (w.answered != 200) return http::error_response(w.answered, "scripted", "scripted answer");
    return http::Response::json(200, R"({"received":true,"order_id":")" + w.order_id + R"(","processed_at":"now"})");
  }

  security::SecretSet secrets_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<int> script_;
  std::vector<Webhook> all_;
  int bad_signatures_ = 0;
  std::unique_ptr<http::Server> server_;  // last: stopped before the state above goes away
};

class Harness : public sim::test::SimulatorHarness<FactorySimulator> {
 public:
  explicit Harness(const std::function<void(SimulatorConfig&)>& tweak = {}) {
    SimulatorConfig c;
    c.api_tokens = {kToken};
    c.read_only_tokens = {kReadOnlyToken};
    c.webhook_url = receiver.url();
    c.webhook_secret = kSecret;
    c.stage_interval = 30ms;
    c.retry.base = 20ms;
    c.retry.retry_after_cap = 50ms;
    c.webhook_timeout = 1s;
    c.hold = 2s;
    c.seed = 7;
    if (tweak) tweak(c);
    start(std::move(c), "factory-sim");
  }
  // The simulator's senders stop before the receiver they deliver to.
  ~Harness() { sim.reset(); }

  Result<http::Response> place(const std::string& body, const std::string& key = {}, const std::string& token = kToken,
                               std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    http::ClientRequest r{"POST", base + "/api/v1/orders", {}, body};
    r.headers.set("Content-Type", "application/json");
    if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
    if (!key.empty()) r.headers.set("Idempotency-Key", key);
    return client.request(r, timeout);
  }

  /// Places the seed-000 order and returns the factory order id.
  std::string place_ok(const std::string& customer, const std::string& key = {}) {
    auto r = place(order_body(customer), key);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 201);
    return str(parse(r->body)["order_id"]);
  }

  Result<http::Response> status(const std::string& id, const std::string& token = kToken) {
    http::ClientRequest r{"GET", base + "/api/v1/orders/" + id + "/status", {}, {}};
    if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
    return client.request(r);
  }

  /// The order as the Factory holds it (GET /control/orders/{id}).
  rapidjson::Document factory_order(const std::string& id) { return control("GET", "/control/orders/" + id); }

  /// Waits until the Factory's order reached `status` and no webhook is pending.
  bool wait_settled(const std::string& id, const std::string& status, std::chrono::milliseconds timeout = 15s) {
    return caas::testing::eventually(
        [&] {
          auto order = factory_order(id);
          bool pending = false;
          for (const auto& w : order["webhooks"].GetArray()) pending = pending || str(w["outcome"]) == "pending";
          return str(order["status"]) == status && !pending;
        },
        timeout);
  }

  WebhookReceiver receiver;
};

inline std::vector<std::string> statuses_of(const std::vector<WebhookReceiver::Webhook>& hooks) {
  std::vector<std::string> out;
  for (const auto& w : hooks) out.push_back(w.status);
  return out;
}

inline const std::vector<std::string> kFullPath{
    "ORDERED", "IN_PRODUCTION",        "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT",
    "SHIPPED", "ARRIVED_AT_DEALERSHIP"};

}  // namespace caas::factory_sim::test
