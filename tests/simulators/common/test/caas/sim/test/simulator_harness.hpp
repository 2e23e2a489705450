#pragma once
// What both simulators' test harnesses share: a simulator started in process
// on an ephemeral loopback port, a caas::http::HttpClient with short timeouts
// to drive it over real HTTP, and its /control API.

#include <caas/events/json.hpp>
#include <caas/http/client.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace caas::sim::test {

/// `text` as JSON; fails the test when it is not.
inline rapidjson::Document parse(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  INFO(text);
  REQUIRE(doc);
  return std::move(*doc);
}

inline std::string str(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

/// `Simulator` is constructed from its config, a Logger and the Metrics, and
/// has start() and port().
template <typename Simulator>
class SimulatorHarness {
 public:
  /// Calls the /control API; fails the test unless it answers `expected`.
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

  observability::Metrics metrics{false};
  std::unique_ptr<Simulator> sim;
  std::string base;  // http://127.0.0.1:<port>
  http::HttpClient client{client_options()};

 protected:
  /// Starts the simulator; its logs (errors only) name `log_service`.
  template <typename Config>
  void start(Config config, const std::string& log_service) {
    sim = std::make_unique<Simulator>(
        std::move(config), observability::Logger({log_service, "test", observability::LogLevel::error, {}}), metrics);
    sim->start();
    base = "http://127.0.0.1:" + std::to_string(sim->port());
  }

 private:
  static http::ClientOptions client_options() {
    using namespace std::chrono_literals;
    http::ClientOptions o;
    o.connect_timeout = 2s;
    o.request_timeout = 5s;
    return o;
  }
};

}  // namespace caas::sim::test
