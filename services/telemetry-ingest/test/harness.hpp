#pragma once
// Shared by telemetry-ingest's component and end-to-end tests: readings and
// order.delivered records as their producers write them, the HTTP client,
// and reading back caas.vehicle.events.v1. Header-only, test code.

#include "domain/vehicle_events.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/http/client.hpp>
#include <caas/kafka/record.hpp>
#include <caas/security/identity.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace caas::telemetry::test {

using namespace std::chrono_literals;

inline constexpr const char* kOperatorKey = "operator-key-0123456789abc";
inline constexpr const char* kDealerKey = "dealer1-key-0123456789abcd";
inline constexpr const char* kTokenSecret = "token-secret-for-tests-0123456789";

inline std::string customer_token(const std::string& customer) {
  const auto now = std::chrono::system_clock::now();
  return "Bearer " + security::issue_token({customer, security::Role::customer, now + 1h, now}, kTokenSecret);
}

inline std::string vin(int n) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "VSSZZZ6JZ9R%06d", n);
  return buf;
}

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Reply {
  int status = 0;
  std::string body;
  rapidjson::Document json() const {
    auto d = events::parse_strict_json(body);
    if (!d) throw std::runtime_error("not JSON: " + body);
    return std::move(d.value());
  }
};

inline Reply call(std::uint16_t port, const std::string& path, const std::string& credential = kOperatorKey) {
  thread_local http::HttpClient client;
  http::ClientRequest req{"GET", "http://127.0.0.1:" + std::to_string(port) + path, {}, ""};
  if (credential.rfind("Bearer ", 0) == 0) {
    req.headers.set("Authorization", credential);
  } else if (!credential.empty()) {
    req.headers.set("X-API-Key", credential);
  }
  auto r = client.request(req, 10s);
  if (!r) return {0, r.error().message};
  return {r->status, r->body};
}

/// One reading as the ingress writes it (one record per reading, key VIN).
struct ReadingSpec {
  ReadingSpec(std::string v, std::uint64_t s, std::int64_t r, std::string st = "PARKED", std::string e = "")
      : vin(std::move(v)), seq(s), received_ms(r), state(std::move(st)), extra(std::move(e)) {}
  std::string vin;
  std::uint64_t seq = 0;
  std::int64_t received_ms = 0;
  std::string state = "PARKED";
  std::string extra;  // more members, starting with ','
};

inline kafka::Record reading_record(const ReadingSpec& s, const std::string& event_id = "") {
  const auto data = R"({"vin":")" + s.vin + R"(","seq":)" + std::to_string(s.seq) + R"(,"time":")" +
                    format_ms(s.received_ms - 100) + R"(","operational_state":")" + s.state +
                    R"(","position":{"lat":40.4,"lon":-3.7},"received_at":")" + format_ms(s.received_ms) +
                    R"(","source":"iot-telemetry","request_id":"req-1","secret_id":"s1","webhook_id":"wh")" + s.extra +
                    "}";
  auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(s.received_ms));
  auto env = event_id.empty() ? events::make_envelope("ingress.iot-telemetry", "caas/webhook-ingress", s.vin, data,
                                                      "corr-" + s.vin, "", [at] { return at; })
                              : events::make_envelope(
                                    "ingress.iot-telemetry", "caas/webhook-ingress", s.vin, data, "corr-" + s.vin, "",
                                    [at] { return at; }, [event_id] { return event_id; });
  REQUIRE(env);
  kafka::Record r{std::string(kTelemetryTopic), s.vin, events::serialize(*env), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(*env)) r.headers.push_back({k, v});
  return r;
}

inline kafka::Record delivered_record(const std::string& order_id, const std::string& v, const std::string& customer) {
  const auto data = R"({"order_id":")" + order_id + R"(","order_number":"ORD-2026-000123","customer_id":")" + customer +
                    R"(","vin":")" + v + R"(","delivered_at":"2026-11-20T10:00:00Z"})";
  auto env = events::make_envelope("order.delivered", "caas/order", order_id, data, "corr-" + order_id, "");
  REQUIRE(env);
  kafka::Record r{std::string(kOrderEventsTopic), order_id, events::serialize(*env), {}, std::nullopt};
  for (auto& [k, v2] : events::kafka_headers(*env)) r.headers.push_back({k, v2});
  return r;
}

struct VehicleEventSeen {
  std::string id;
  std::string type;
  std::string vin;
  std::string data;
};

inline std::vector<VehicleEventSeen> vehicle_events(const devbroker::MockCluster& cluster) {
  std::vector<VehicleEventSeen> out;
  for (const auto& r : devbroker::testing::consume_all(cluster.bootstrap(), std::string(kVehicleEventsTopic))) {
    auto e = events::parse_envelope(r.value);
    REQUIRE(e);
    out.push_back({e->id, e->type, r.key, e->data});
  }
  return out;
}

inline std::size_t count_type(const std::vector<VehicleEventSeen>& events, std::string_view type,
                              const std::string& v = "") {
  std::set<std::string> ids;
  for (const auto& e : events) {
    if (e.type == type && (v.empty() || e.vin == v)) ids.insert(e.id);
  }
  return ids.size();
}

/// One telemetry-ingest instance on a shared cluster.

}  // namespace caas::telemetry::test
