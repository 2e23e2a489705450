// End to end, real processes: caas-factory-sim, caas-webhook-ingress,
// caas-order and caas-factory-adapter on loopback against an in-process
// Kafka-protocol broker. Orders go from sale to DELIVERED while the Factory
// misbehaves; services are SIGKILLed and restarted mid-run; a wiped store is
// rebuilt by replay. Every wait is bounded.
#include <catch2/catch.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>

#include "eventually.hpp"
#include "flow_helpers.hpp"
#include "platform.hpp"

using namespace caas::e2e;
using namespace std::chrono_literals;
using Proc = Platform::Proc;

namespace {

/// Fast timers: retries in milliseconds, polling and reconciliation in seconds.
PlatformOptions fast_options() {
  PlatformOptions o;
  o.adapter_env = {
      {"CAAS_FACTORY_TIMEOUT", "1s"},  // the simulator holds a "timeout" for 3 s
      {"CAAS_FACTORY_RETRY_INITIAL", "50ms"},   {"CAAS_FACTORY_BREAKER_OPEN", "1s"},
      {"CAAS_FACTORY_WORKER_TICK", "20ms"},     {"CAAS_FACTORY_STALE_AFTER", "1s"},
      {"CAAS_FACTORY_POLL_INTERVAL", "1s"},     {"CAAS_FACTORY_RECONCILE_INTERVAL", "3s"},
      {"CAAS_FACTORY_SCHEDULER_TICK", "100ms"},
  };
  o.order_env = {{"CAAS_ORDER_PAYMENT_DEADLINE", "1h"}};
  return o;
}

}  // namespace

TEST_CASE("100 orders go from sale to DELIVERED through a faulty Factory, crashes and replay", "[e2e]") {
  Phases phase;
  Platform platform(fast_options());
  platform.start_all();
  phase("platform ready");
  const auto sim = platform.factory_sim();
  // Faults on every path: slow, timing-out and failing placements; dropped,
  // duplicated and reordered webhooks; QC failures sending cars back to rework.
  auto faults = sim.post("/control/faults", R"({
      "placement": {"timeout_probability": 0.05, "error_probability": 0.15, "error_statuses": [500, 502, 503]},
      "webhooks": {"drop_probability": 0.08, "duplicate_probability": 0.2, "reorder_probability": 0.1},
      "production": {"qc_failure_probability": 0.2}})");
  REQUIRE(faults.status == 200);

  const auto api = platform.order_api();
  constexpr int kOrders = 100;
  auto sales = post_each(
      api, kOrders, [](int) { return std::string("/api/v1/orders"); }, sale_body);
  require_all(sales, {201, 202}, "register sale");
  std::vector<std::string> ids;
  for (const auto& r : sales) ids.push_back(r.status == 201 ? r.str("id") : r.str("order_id"));
  REQUIRE(std::set<std::string>(ids.begin(), ids.end()).size() == kOrders);
  wait_all_in(api, ids, "PENDING_RESERVATION", 30s);
  phase("100 sales registered");
  require_all(post_each(api, kOrders, order_action(ids, "reservation-payment"),
                        [](int i) {
                          return R"({"payment_reference":"RES-)" + std::to_string(i) + R"(","paid_at":")" +
                                 now_rfc3339() + R"("})";
                        }),
              {200, 202}, "reservation payment");

  // Crash both stateful services while orders are in flight.
  const std::set<std::string> placed_or_later{
      "ORDERED", "IN_PRODUCTION",        "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT",
      "SHIPPED", "ARRIVED_AT_DEALERSHIP"};
  REQUIRE(caas::testing::eventually([&] { return count_in(api, ids, placed_or_later) >= kOrders / 3; }, 90s));
  phase("a third of the orders placed; SIGKILL order and factory-adapter");
  platform.kill_hard(Proc::adapter);
  platform.kill_hard(Proc::order);
  platform.start(Proc::order);
  platform.start(Proc::adapter);
  REQUIRE(platform.wait_ready(Proc::order, 60s));
  REQUIRE(platform.wait_ready(Proc::adapter, 60s));

  phase("restarted and ready");
  wait_all_in(api, ids, "ARRIVED_AT_DEALERSHIP", 240s);
  phase("all orders arrived at the dealership");

  deliver_all(api, ids, 1);
  phase("all orders delivered");

  {  // The Factory holds exactly one order per sale, in the state the platform shows.
    auto orders = sim.get("/control/orders");
    REQUIRE(orders.status == 200);
    const auto& list = orders.json["orders"];
    REQUIRE(list.IsArray());
    std::map<std::string, std::string> factory_id_by_key;
    for (const auto& o : list.GetArray()) {
      const std::string key = o["idempotency_key"].GetString();
      CHECK(factory_id_by_key.emplace(key, o["order_id"].GetString()).second);
      CHECK(std::string(o["status"].GetString()) == "ARRIVED_AT_DEALERSHIP");
    }
    CHECK(list.Size() == kOrders);
    for (const auto& id : ids) {
      auto order = api.get("/api/v1/orders/" + id);
      INFO(order.body);
      REQUIRE(factory_id_by_key.count(id) == 1);
      REQUIRE(order.json["factory"]["factory_order_id"].IsString());
      CHECK(order.json["factory"]["factory_order_id"].GetString() == factory_id_by_key[id]);
    }
    // The faults really happened, so the test proves something.
    auto stats = sim.get("/control/stats");
    INFO(stats.body);
    CHECK(stats.json["webhooks"]["duplicated"].GetInt() > 0);
    CHECK(stats.json["webhooks"]["dropped"].GetInt() > 0);
    CHECK(stats.json["webhooks"]["reordered"].GetInt() > 0);
    CHECK(stats.json["qc_failures"].GetInt() > 0);
    CHECK(stats.json["placement_requests"]["injected_error"].GetInt() > 0);
    CHECK(stats.json["placement_requests"]["injected_timeout"].GetInt() > 0);
    CHECK(stats.json["orders_created"].GetInt() == kOrders);
  }

  {  // A wiped order store is rebuilt by replay to the same state, field by field.
    std::map<std::string, std::string> before;
    for (const auto& id : ids) before[id] = to_string(api.get("/api/v1/orders/" + id).json);
    phase("Factory state checked; wiping the order store");
    platform.stop(Proc::order);
    platform.wipe_store(Proc::order);
    platform.start(Proc::order);
    REQUIRE(platform.wait_ready(Proc::order, 90s));
    phase("order service rebuilt by replay");
    for (const auto& id : ids) {
      INFO(id);
      CHECK(to_string(api.get("/api/v1/orders/" + id).json) == before[id]);
    }
  }
}

namespace {

/// Value of an unlabelled metric in a Prometheus text page (nullopt if absent).
std::optional<double> metric(const Api& api, const std::string& name) {
  const auto page = api.get("/metrics").body;
  for (std::size_t pos = 0; (pos = page.find(name + " ", pos)) != std::string::npos; pos += name.size()) {
    if (pos == 0 || page[pos - 1] == '\n') return std::stod(page.substr(pos + name.size() + 1));
  }
  return std::nullopt;
}

std::string register_and_pay(const Api& api, int n) {
  auto sale = api.post("/api/v1/orders", sale_body(n));
  INFO(sale.status << " " << sale.body << " " << sale.error);
  REQUIRE(sale.status == 201);
  const auto id = sale.str("id");
  auto paid =
      api.post("/api/v1/orders/" + id + "/reservation-payment",
               R"({"payment_reference":"RES-)" + std::to_string(n) + R"(","paid_at":")" + now_rfc3339() + R"("})");
  INFO(paid.status << " " << paid.body);
  REQUIRE(paid.status == 200);
  return id;
}

int injected_errors(const Api& sim) {
  return sim.get("/control/stats").json["placement_requests"]["injected_error"].GetInt();
}

}  // namespace

TEST_CASE("Factory refusals end in FACTORY_SUBMISSION_FAILED with a ticket, an outage makes orders wait", "[e2e]") {
  Phases phase;
  auto options = fast_options();
  options.adapter_env["CAAS_FACTORY_BREAKER_FAILURES"] = "3";
  Platform platform(options);
  platform.start_all();
  phase("platform ready");
  const auto sim = platform.factory_sim();
  const auto api = platform.order_api();
  const auto adapter = platform.adapter_api();

  // 400: not retried; the order needs manual correction, the reservation stays.
  REQUIRE(sim.post("/control/faults", R"({"placement":{"next_errors":[400]}})").status == 200);
  const auto rejected = register_and_pay(api, 1);
  wait_all_in(api, {rejected}, "FACTORY_SUBMISSION_FAILED", 30s);
  {
    auto order = api.get("/api/v1/orders/" + rejected);
    INFO(order.body);
    CHECK(order.str("state") == "FACTORY_SUBMISSION_FAILED");
    CHECK(std::string(order.json["factory"]["last_failure"]["kind"].GetString()) == "order-rejected");
    CHECK(order.json["reservation_payment"].IsObject());  // the reservation is kept
  }
  phase("400 -> FACTORY_SUBMISSION_FAILED");

  // 401: not retried; a critical alert (metric) and a critical ticket.
  REQUIRE(sim.post("/control/faults", R"({"placement":{"auth_failure":401}})").status == 200);
  const auto unauthorised = register_and_pay(api, 2);
  wait_all_in(api, {unauthorised}, "FACTORY_SUBMISSION_FAILED", 30s);
  {
    auto order = api.get("/api/v1/orders/" + unauthorised);
    INFO(order.body);
    CHECK(order.json["factory"]["last_failure"]["critical"].GetBool());
    CHECK(order.json["factory"]["last_failure"]["ticket_id"].IsString());
    CHECK(metric(adapter, "factory_auth_failures_total").value_or(0) >= 1);
  }
  phase("401 -> FACTORY_SUBMISSION_FAILED, critical");
  REQUIRE(sim.post("/control/faults", R"({"placement":{"auth_failure":null}})").status == 200);

  // Both failures opened a support ticket naming the order.
  {
    auto tickets = caas::devbroker::testing::consume_at_least(platform.bootstrap(), "caas.support.tickets.v1", 2, 20s);
    std::set<std::string> ticket_orders;
    for (const auto& t : tickets) {
      auto env = caas::events::parse_envelope(t.value);
      REQUIRE(env);
      rapidjson::Document d;
      d.Parse(env->data.c_str());
      if (d.IsObject() && d.HasMember("order_id")) ticket_orders.insert(d["order_id"].GetString());
    }
    CHECK(ticket_orders.count(rejected) == 1);
    CHECK(ticket_orders.count(unauthorised) == 1);
  }

  // Outage: every placement answered 503 until the breaker opens; orders
  // paid meanwhile wait in PENDING_FACTORY_SUBMISSION, then complete.
  REQUIRE(sim.post("/control/faults", R"({"placement":{"error_probability":1.0,"error_statuses":[503]}})").status ==
          200);
  const auto tripping = register_and_pay(api, 3);
  REQUIRE(caas::testing::eventually([&] { return metric(adapter, "factory_circuit_breaker_state") == 1.0; }, 30s));
  phase("breaker open");
  std::vector<std::string> waiting;
  for (int n = 10; n < 15; ++n) waiting.push_back(register_and_pay(api, n));
  // Let the breaker probe the still-failing Factory twice more (half-open
  // trials), then the waiting orders must still be pending, not failed.
  const int errors_before = injected_errors(sim);
  REQUIRE(caas::testing::eventually([&] { return injected_errors(sim) >= errors_before + 2; }, 30s));
  for (const auto& id : waiting) CHECK(state_of(api, id) == "PENDING_FACTORY_SUBMISSION");
  phase("orders wait while the Factory is down");

  REQUIRE(sim.post("/control/faults", R"({"placement":{"error_probability":0.0}})").status == 200);
  const std::set<std::string> placed{
      "ORDERED", "IN_PRODUCTION",        "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT",
      "SHIPPED", "ARRIVED_AT_DEALERSHIP"};
  REQUIRE(caas::testing::eventually([&] { return count_in(api, waiting, placed) == waiting.size(); }, 60s));
  REQUIRE(caas::testing::eventually([&] { return metric(adapter, "factory_circuit_breaker_state") == 0.0; }, 30s));
  // The order that tripped the breaker either got through or was handed to
  // support after its retry budget; it never stays in limbo.
  REQUIRE(caas::testing::eventually(
      [&] {
        const auto s = state_of(api, tripping);
        return placed.count(s) == 1 || s == "FACTORY_SUBMISSION_FAILED";
      },
      60s));
  phase("Factory back: waiting orders placed, breaker closed");

  // Nothing placed twice: one factory order per placed sale.
  auto orders = sim.get("/control/orders");
  std::map<std::string, int> per_key;
  for (const auto& o : orders.json["orders"].GetArray()) ++per_key[o["idempotency_key"].GetString()];
  for (const auto& [key, n] : per_key) CHECK(n == 1);
}
