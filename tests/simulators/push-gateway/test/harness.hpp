#pragma once
// Test harness: the simulator in process on an ephemeral port, driven over
// real HTTP with caas::http::HttpClient, plus the request bodies the
// notification service sends.

#include "app/simulator.hpp"

#include <caas/events/json.hpp>
#include <caas/http/client.hpp>

#include <catch2/catch.hpp>

#include "eventually.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace caas::push_sim::test {

using namespace std::chrono_literals;

inline constexpr const char* kToken = "push-api-token-0123456789";

/// A body as the notification service sends it for an order confirmation.
inline std::string message_body(const std::string& customer = "CAAS-CUST-1",
                                const std::string& title = "Pedido confirmado", const std::string& order_id = "ORD-1") {
  return R"({"recipient":{"customer_id":")" + customer + R"("},"notification":{"title":")" + title +
         R"(","body":"Tu pedido )" + order_id + R"( está confirmado"},"language":"es",)" +
         R"("data":{"type":"order_confirmed","order_id":")" + order_id + R"("}})";
}

inline rapidjson::Document parse(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  INFO(text);
  REQUIRE(doc);
  return std::move(*doc);
}

inline std::string str(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

inline http::ClientRequest message_request(const std::string& base, const std::string& body, const std::string& key,
                                           const std::string& token = kToken) {
  http::ClientRequest r{"POST", base + "/v1/messages", {}, body};
  r.headers.set("Content-Type", "application/json");
  if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
  if (!key.empty()) r.headers.set("Idempotency-Key", key);
  return r;
}

class Harness {
 public:
  explicit Harness(const std::function<void(SimulatorConfig&)>& tweak = {}) {
    SimulatorConfig c;
    c.api_tokens = {kToken, "second-token"};
    c.hold = 3s;
    c.seed = 7;
    c.id_salt = 42;
    if (tweak) tweak(c);
    sim = std::make_unique<PushSimulator>(
        c, observability::Logger({"push-sim", "test", observability::LogLevel::error, {}}), metrics);
    sim->start();
    base = "http://127.0.0.1:" + std::to_string(sim->port());
  }

  Result<http::Response> send(const std::string& body, const std::string& key, const std::string& token = kToken,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return client.request(message_request(base, body, key, token), timeout);
  }

  /// Sends a message that must be accepted; returns its message_id.
  std::string send_ok(const std::string& customer, const std::string& key) {
    auto r = send(message_body(customer), key);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 202);
    return str(parse(r->body)["message_id"]);
  }

  rapidjson::Document control(const std::string& method, const std::string& path, const std::string& body = {},
                              int expected = 200) {
    http::ClientRequest r{method, base + path, {}, body};
    if (!body.empty()) r.headers.set("Content-Type", "application/json");
    auto resp = client.request(r);
    REQUIRE(resp);
    INFO(resp->body);
    REQUIRE(resp->status == expected);
    return parse(resp->body);
  }
  void set_faults(const std::string& patch) { control("POST", "/control/faults", patch); }
  rapidjson::Document stats() { return control("GET", "/control/stats"); }
  rapidjson::Document messages(const std::string& query = {}) { return control("GET", "/control/messages" + query); }

  observability::Metrics metrics{false};
  std::unique_ptr<PushSimulator> sim;
  std::string base;
  http::HttpClient client{client_options()};

 private:
  static http::ClientOptions client_options() {
    http::ClientOptions o;
    o.connect_timeout = 2s;
    o.request_timeout = 5s;
    return o;
  }
};

}  // namespace caas::push_sim::test
