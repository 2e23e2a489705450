#pragma once
// In-process order service instances (ServiceRuntime + OrderService on an
// ephemeral port) against a MockCluster, configured through an injected
// environment, plus HTTP and Kafka helpers for the component tests.

#include "app/order_service.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/http/client.hpp>
#include <caas/security/identity.hpp>

#include "eventually.hpp"
#include "local_resources.hpp"
#include "service_harness.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

namespace caas::order::test {

using namespace std::chrono_literals;

inline constexpr const char* kAdminKey = "admin-key-0123456789abcdef";
inline constexpr const char* kDealer1Key = "dealer1-key-0123456789abcd";
inline constexpr const char* kDealer2Key = "dealer2-key-0123456789abcd";
inline constexpr const char* kOperatorKey = "operator-key-0123456789abc";
inline constexpr const char* kTokenSecret = "token-secret-for-tests-0123456789";

/// A fresh scratch directory for one instance: config files and data.
inline std::filesystem::path fresh_dir(const std::string& tag) {
  return testing::fresh_dir("order-" + tag);
}

inline std::string customer_token(const std::string& customer_id) {
  const auto now = std::chrono::system_clock::now();
  return security::issue_token({customer_id, security::Role::customer, now + 1h, now}, kTokenSecret);
}

/// One order service instance; `dir` holds its config files and data.
class Instance {
 public:
  Instance(devbroker::MockCluster& cluster, std::filesystem::path dir, std::string instance_id,
           std::map<std::string, std::string> overrides = {})
      : dir_(std::move(dir)) {
    std::ofstream(dir_ / "api-keys") << kAdminKey << " admin root\n"
                                     << kDealer1Key << " dealer D1\n"
                                     << kDealer2Key << " dealer D2\n"
                                     << kOperatorKey << " operator ops\n";
    std::ofstream(dir_ / "token-secret") << kTokenSecret << "\n";
    testing::EnvMap env{{"CAAS_KAFKA_BOOTSTRAP", cluster.bootstrap()},
                        {"CAAS_DATA_DIR", (dir_ / "data").string()},
                        {"CAAS_HTTP_PORT", "0"},
                        {"CAAS_HTTP_THREADS", "2"},
                        {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
                        {"CAAS_LOG_LEVEL", "error"},
                        {"CAAS_SHUTDOWN_GRACE", "5s"},
                        {"CAAS_INSTANCE_ID", instance_id},
                        {"CAAS_API_KEYS_FILE", (dir_ / "api-keys").string()},
                        {"CAAS_TOKEN_SECRET_FILE", (dir_ / "token-secret").string()},
                        {"CAAS_ORDER_COMMAND_WAIT", "5s"},
                        {"CAAS_ORDER_DEADLINE_SCAN_INTERVAL", "50ms"},
                        {"CAAS_ORDER_STATE_GAUGE_INTERVAL", "50ms"}};
    for (auto& [k, v] : overrides) env[k] = v;
    running_ = std::make_unique<testing::RunningService<OrderService>>("order", instance_id, env,
                                                                       std::make_unique<OrderService>());
  }
  void stop() { running_->stop(); }
  std::uint16_t port() const { return running_->port(); }
  bool wait_ready(std::chrono::milliseconds timeout = 60s) const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<testing::RunningService<OrderService>> running_;
};

/// The common case: a private broker and one ready instance.
struct Single {
  explicit Single(const std::string& tag, std::map<std::string, std::string> overrides = {})
      : svc(cluster, fresh_dir(tag), "order-a", std::move(overrides)) {
    if (!svc.wait_ready()) throw std::runtime_error("order service not ready");
  }
  devbroker::MockCluster cluster{1};
  Instance svc;
  std::uint16_t port() const { return svc.port(); }
};

struct Reply {
  int status = 0;
  std::string body;
  std::string location;
  rapidjson::Document json() const {
    auto d = events::parse_strict_json(body);
    if (!d) throw std::runtime_error("not JSON: " + body);
    return std::move(d.value());
  }
};

/// `credential`: an API key, or "Bearer <token>".
inline Reply call(std::uint16_t port, const std::string& method, const std::string& path,
                  const std::string& credential = kAdminKey, const std::string& body = "",
                  const std::string& request_id = "") {
  thread_local http::HttpClient client([] {
    http::ClientOptions o;
    o.connect_timeout = 2s;
    o.request_timeout = 15s;
    return o;
  }());
  http::ClientRequest req{method, "http://127.0.0.1:" + std::to_string(port) + path, {}, body};
  if (credential.rfind("Bearer ", 0) == 0) {
    req.headers.set("Authorization", credential);
  } else if (!credential.empty()) {
    req.headers.set("X-API-Key", credential);
  }
  if (!body.empty()) req.headers.set("Content-Type", "application/json");
  if (!request_id.empty()) req.headers.set("X-Request-Id", request_id);
  auto r = client.request(req);
  if (!r) return {0, r.error().message, ""};
  auto loc = r->headers.get("Location");
  return {r->status, r->body, loc ? std::string(*loc) : std::string()};
}

inline bool Instance::wait_ready(std::chrono::milliseconds timeout) const {
  return testing::eventually([&] { return call(port(), "GET", "/readyz", "").status == 200; }, timeout);
}

inline std::string sale_body(const std::string& customer = "C1", const std::string& dealer = "D1") {
  return R"({"customer_id":")" + customer + R"(","dealership_id":")" + dealer +
         R"(","vehicle_specification":{"platform_base":"EV-PLATFORM-A","initial_options":["SNOW_MODE","TOW_HITCH"],"color":"RED","interior":"BLACK_LEATHER"},"delivery_address":{"street":"Calle Mayor 1","city":"Madrid","postal_code":"28013","country":"ES"},"plan_comercial":{"maintenance_included":true,"warranty_years":5,"opciones_permanentes":["PREMIUM_AUDIO"]},"reservation_amount":{"amount_cents":50000,"currency":"EUR"}})";
}

inline std::string str(const rapidjson::Value& v, const char* k) {
  auto it = v.FindMember(k);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

/// What the factory-adapter would write onto caas.factory.events.v1.
inline void factory_event(devbroker::MockCluster& cluster, const std::string& type, const std::string& order_id,
                          const std::string& data) {
  auto env = events::make_envelope(type, "caas/factory-adapter", order_id, data, "corr-" + order_id, "");
  if (!env) throw std::runtime_error(env.error().message);
  kafka::Record r{"caas.factory.events.v1", order_id, events::serialize(*env), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(*env)) r.headers.push_back({k, v});
  devbroker::testing::produce_all(cluster.bootstrap(), {r});
}

inline void factory_placed(devbroker::MockCluster& c, const std::string& order_id, const std::string& fac) {
  factory_event(
      c, "factory.order-placed", order_id,
      R"({"order_id":")" + order_id + R"(","factory_order_id":")" + fac +
          R"(","status":"ORDERED","estimated_delivery_date":"2026-09-01","manufacturing_location":"Martorell","created_at":"2026-03-01T10:00:00Z","attempts":1})");
}

inline void factory_status(devbroker::MockCluster& c, const std::string& order_id, const std::string& fac,
                           const std::string& status, const std::string& timestamp, bool applied = true) {
  factory_event(c, "factory.status-changed", order_id,
                R"({"order_id":")" + order_id + R"(","factory_order_id":")" + fac + R"(","status":")" + status +
                    R"(","timestamp":")" + timestamp + R"(","source":"webhook","applied":)" +
                    (applied ? "true" : "false") + R"(,"notes":"n","location":"Martorell"})");
}

inline std::string state_of(std::uint16_t port, const std::string& id) {
  auto r = call(port, "GET", "/api/v1/orders/" + id);
  if (r.status != 200) return "";
  return str(r.json(), "state");
}

inline bool wait_state(std::uint16_t port, const std::string& id, const std::string& state,
                       std::chrono::milliseconds timeout = 30s) {
  return testing::eventually([&] { return state_of(port, id) == state; }, timeout);
}

struct TopicEvent {
  std::string key, id, type, correlationid, causationid, data;
  std::vector<kafka::Header> headers;
};
inline std::vector<TopicEvent> read_topic(devbroker::MockCluster& c, const std::string& topic) {
  std::vector<TopicEvent> out;
  for (auto& r : devbroker::testing::consume_all(c.bootstrap(), topic, 20s)) {
    auto env = events::parse_envelope(r.value);
    TopicEvent e{r.key, "", "", "", "", r.value, r.headers};
    if (env) e = {r.key, env->id, env->type, env->correlationid, env->causationid, env->data, r.headers};
    out.push_back(std::move(e));
  }
  return out;
}

inline std::string metrics_text(std::uint16_t port) {
  return call(port, "GET", "/metrics", "").body;
}

}  // namespace caas::order::test
