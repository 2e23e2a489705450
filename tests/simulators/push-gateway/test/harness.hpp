#pragma once
// Test harness: the simulator in process on an ephemeral port, driven over
// real HTTP with caas::http::HttpClient (sim::test::SimulatorHarness), plus
// the request bodies the notification service sends.

#include "app/simulator.hpp"

#include <caas/sim/test/simulator_harness.hpp>

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

using sim::test::parse;
using sim::test::str;

inline http::ClientRequest message_request(const std::string& base, const std::string& body, const std::string& key,
                                           const std::string& token = kToken) {
  http::ClientRequest r{"POST", base + "/v1/messages", {}, body};
  r.headers.set("Content-Type", "application/json");
  if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
  if (!key.empty()) r.headers.set("Idempotency-Key", key);
  return r;
}

class Harness : public sim::test::SimulatorHarness<PushSimulator> {
 public:
  explicit Harness(const std::function<void(SimulatorConfig&)>& tweak = {}) {
    SimulatorConfig c;
    c.api_tokens = {kToken, "second-token"};
    c.hold = 3s;
    c.seed = 7;
    c.id_salt = 42;
    if (tweak) tweak(c);
    start(std::move(c), "push-sim");
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

  rapidjson::Document messages(const std::string& query = {}) { return control("GET", "/control/messages" + query); }
};

}  // namespace caas::push_sim::test
