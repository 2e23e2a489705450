// telemetry-ingest's real wiring in process (ServiceRuntime +
// TelemetryService) against an in-process MockCluster, fed with readings on
// caas.ingress.iot-telemetry.v1 as the ingress writes them and with
// order.delivered on caas.order.events.v1; read back over real HTTP and from
// caas.vehicle.events.v1.
#include "app/telemetry_service.hpp"
#include "domain/vehicle_events.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/http/client.hpp>
#include <caas/security/identity.hpp>

#include <catch2/catch.hpp>

#include "eventually.hpp"
#include "harness.hpp"
#include "instance.hpp"
#include "local_resources.hpp"
#include "service_harness.hpp"

#include <fstream>
#include <map>
#include <set>

using namespace caas;
using namespace caas::telemetry;
using namespace std::chrono_literals;
namespace json = caas::events::json;

namespace {

using namespace caas::telemetry::test;

std::string raw_state(const Instance& inst, const std::string& v, const char* what) {
  return call(inst.port(), "/api/v1/vehicles/" + v + "/" + what).body;
}

}  // namespace

TEST_CASE("readings become state, timeline and events, duplicates and reordering change nothing",
          "[component][readings]") {
  devbroker::MockCluster cluster(1);
  Instance inst(cluster, testing::fresh_dir("telemetry-readings"), "t-0");
  REQUIRE(inst.wait_ready());
  const auto a = vin(1);
  const auto b = vin(2);
  const auto t0 = now_ms();
  const std::string conf_low = R"(,"configuration":{"power_mode":"LOW","snow_mode_available":1})";
  const std::string conf_high = R"(,"configuration":{"power_mode":"HIGH","snow_mode_available":1})";
  const std::string diag = R"(,"diagnostics":[{"code":"P0420","severity":"warning"}])";
  std::vector<kafka::Record> records{
      reading_record({a, 1, t0, "RUNNING", conf_low}),
      reading_record({a, 2, t0 + 10, "RUNNING", conf_low + diag}),
      reading_record({a, 4, t0 + 30, "PARKED", conf_high + diag}),  // 4 before 3: reordered
      reading_record({a, 3, t0 + 40, "CHARGING", conf_low}),        // late: timeline only
      reading_record({a, 2, t0 + 50, "OFF", conf_low}),             // the same reading again, another batch
      reading_record({a, 5, t0 + 60, "PARKED", conf_high + R"(,"diagnostics":[])"}),
      reading_record({b, 1, t0, "OFF"}),
  };
  records.push_back(records[1]);  // redelivered record: the same event id
  records.push_back(delivered_record("order-1", a, "C1"));
  devbroker::testing::produce_all(cluster.bootstrap(), records);

  REQUIRE(testing::eventually([&] { return inst.seq_of(a) == 5 && inst.seq_of(b) == 1; }, 30s));
  auto st = *inst.state(a);
  CHECK(json::str(st, "operational_state") == "PARKED");
  CHECK(json::str(st["configuration"], "power_mode") == "HIGH");
  CHECK(st["diagnostics"].Size() == 0);
  CHECK(json::int64(st, "readings_accepted") == 5);
  CHECK(json::boolean(st["connection"], "online"));
  CHECK(json::str(st, "last_seen") == format_ms(t0 + 60));

  // The timeline has every distinct reading once, in reading-time order.
  auto tl = call(inst.port(), "/api/v1/vehicles/" + a + "/timeline?limit=3");
  REQUIRE(tl.status == 200);
  auto page1 = tl.json();
  REQUIRE(page1["items"].Size() == 3);
  std::vector<std::int64_t> seqs;
  for (const auto& item : page1["items"].GetArray()) seqs.push_back(*json::int64(item, "seq"));
  const auto cursor = json::str(page1, "next_cursor");
  REQUIRE_FALSE(cursor.empty());
  auto page2 = call(inst.port(), "/api/v1/vehicles/" + a + "/timeline?limit=3&cursor=" + cursor).json();
  for (const auto& item : page2["items"].GetArray()) seqs.push_back(*json::int64(item, "seq"));
  CHECK(seqs == std::vector<std::int64_t>{1, 2, 4, 3, 5});
  CHECK(page2["next_cursor"].IsNull());
  CHECK(json::str(page2["items"][0], "arrival") == "out_of_order");
  auto ranged = call(inst.port(), "/api/v1/vehicles/" + a + "/timeline?from=" + format_ms(t0 + 15 - 100) +
                                      "&to=" + format_ms(t0 + 45 - 100))
                    .json();
  CHECK(ranged["items"].Size() == 2);  // seq 4 (t0+30) and 3 (t0+40)

  // Events: one per change, none for the duplicate or the late reading.
  std::vector<VehicleEventSeen> evs;
  REQUIRE(testing::eventually(
      [&] {
        evs = vehicle_events(cluster);
        return count_type(evs, kTypeDiagnosticCleared) == 1;
      },
      20s));
  CHECK(count_type(evs, kTypeOnline, a) == 1);
  CHECK(count_type(evs, kTypeOnline, b) == 1);
  CHECK(count_type(evs, kTypeConfigurationReported, a) == 2);  // LOW (first), then HIGH at seq 4
  CHECK(count_type(evs, kTypeDiagnosticRaised, a) == 1);
  CHECK(count_type(evs, kTypeOperationalStateChanged, a) == 2);  // RUNNING, then PARKED at seq 4
  CHECK(count_type(evs, kTypeOffline) == 0);
  CHECK(evs.size() == 9);  // every id once on the topic

  // Who may read what.
  CHECK(call(inst.port(), "/api/v1/vehicles/" + a + "/state", "").status == 401);
  CHECK(call(inst.port(), "/api/v1/vehicles/" + a + "/state", kDealerKey).status == 403);
  REQUIRE(testing::eventually(
      [&] { return call(inst.port(), "/api/v1/vehicles/" + a + "/state", customer_token("C1")).status == 200; }, 20s));
  CHECK(call(inst.port(), "/api/v1/vehicles/" + b + "/state", customer_token("C1")).status == 403);
  CHECK(call(inst.port(), "/api/v1/vehicles/" + a + "/state", customer_token("C2")).status == 403);
  CHECK(call(inst.port(), "/api/v1/fleet/summary", customer_token("C1")).status == 403);
  CHECK(call(inst.port(), "/api/v1/vehicles/" + vin(99) + "/state").status == 404);
  CHECK(call(inst.port(), "/api/v1/vehicles/not-a-vin/state").status == 400);
  CHECK(call(inst.port(), "/api/v1/vehicles/" + a + "/timeline?limit=0").status == 400);

  // The summary: two vehicles, both online, one RUNNING... as last reported.
  REQUIRE(testing::eventually(
      [&] {
        auto s = call(inst.port(), "/api/v1/fleet/summary").json();
        return json::int64(s, "vehicles_known") == 2 && json::int64(s["by_operational_state"], "OFF") == 1 &&
               json::int64(s["by_operational_state"], "PARKED") == 1;
      },
      20s));
  auto s = call(inst.port(), "/api/v1/fleet/summary").json();
  CHECK(json::int64(s, "vehicles_online") == 2);
  CHECK(s["online_percent"].GetDouble() == 100.0);
  CHECK(json::int64(s["by_diagnostic_severity"], "none") == 2);
  const auto metrics = call(inst.port(), "/metrics", "").body;
  CHECK(metrics.find("telemetry_readings_total{outcome=\"duplicate\"} 1") != std::string::npos);
  CHECK(metrics.find("telemetry_readings_total{outcome=\"out_of_order\"} 1") != std::string::npos);
  CHECK(metrics.find("vehicle_connectivity_rate 1") != std::string::npos);
}

TEST_CASE("offline by silence with a short timeout, online again on the next fresh reading", "[component][offline]") {
  devbroker::MockCluster cluster(1);
  Instance inst(cluster, testing::fresh_dir("telemetry-offline"), "t-0", {{"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "1s"}});
  REQUIRE(inst.wait_ready());
  const auto a = vin(10);
  const auto t0 = now_ms();
  devbroker::testing::produce_all(cluster.bootstrap(), {reading_record({a, 1, t0})});
  REQUIRE(testing::eventually([&] { return inst.seq_of(a) == 1; }, 20s));
  REQUIRE(testing::eventually(
      [&] {
        auto s = inst.state(a);
        return s && !json::boolean((*s)["connection"], "online");
      },
      20s));
  auto st = *inst.state(a);
  CHECK(json::str(st["connection"], "offline_since") == format_ms(t0 + 1000));
  auto summary = call(inst.port(), "/api/v1/fleet/summary").json();
  REQUIRE(testing::eventually(
      [&] { return json::int64(call(inst.port(), "/api/v1/fleet/summary").json(), "vehicles_online") == 0; }, 20s));

  const auto t1 = now_ms();
  devbroker::testing::produce_all(cluster.bootstrap(), {reading_record({a, 2, t1, "RUNNING"})});
  REQUIRE(testing::eventually([&] { return inst.seq_of(a) == 2; }, 20s));
  CHECK(json::boolean((*inst.state(a))["connection"], "online"));
  auto cx = call(inst.port(), "/api/v1/vehicles/" + a + "/connectivity").json();
  REQUIRE(cx["intervals"].Size() == 3);
  CHECK(json::str(cx["intervals"][0], "state") == "online");
  CHECK(json::str(cx["intervals"][0], "from") == format_ms(t0));
  CHECK(json::str(cx["intervals"][0], "until") == format_ms(t0 + 1000));
  CHECK(json::str(cx["intervals"][1], "state") == "offline");
  CHECK(json::str(cx["intervals"][1], "until") == format_ms(t1));
  CHECK(json::str(cx["intervals"][2], "state") == "online");
  CHECK(cx["intervals"][2]["until"].IsNull());

  std::vector<VehicleEventSeen> evs;
  REQUIRE(testing::eventually(
      [&] {
        evs = vehicle_events(cluster);
        return count_type(evs, kTypeOnline) == 2;
      },
      20s));
  REQUIRE(count_type(evs, kTypeOffline) == 1);
  for (const auto& e : evs) {
    if (e.type != kTypeOffline) continue;
    auto d = events::parse_strict_json(e.data);
    CHECK(json::str(*d, "offline_since") == format_ms(t0 + 1000));
    CHECK(json::int64(*d, "timeout_ms") == 1000);
  }
}

TEST_CASE("restart with the store kept: silent while down means offline after restart, nothing emitted twice",
          "[component][restart]") {
  devbroker::MockCluster cluster(1);
  Instance inst(cluster, testing::fresh_dir("telemetry-restart"), "t-0", {{"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "2s"}});
  REQUIRE(inst.wait_ready());
  const auto a = vin(20);
  const auto b = vin(21);
  const auto t0 = now_ms();
  devbroker::testing::produce_all(
      cluster.bootstrap(),
      {reading_record({a, 1, t0, "RUNNING", R"(,"configuration":{"m":"A"})"}), reading_record({b, 1, t0})});
  REQUIRE(testing::eventually([&] { return inst.seq_of(a) == 1 && inst.seq_of(b) == 1; }, 20s));
  inst.stop();
  // Down past both deadlines (receipt + 2 s); b speaks again meanwhile.
  REQUIRE(testing::eventually([&] { return now_ms() > t0 + 2500; }, 10s));
  const auto t1 = now_ms();
  devbroker::testing::produce_all(cluster.bootstrap(),
                                  {reading_record({b, 2, t1}), reading_record({a, 1, t0, "RUNNING"})});  // a: again
  inst.start();
  REQUIRE(inst.wait_ready());
  REQUIRE(testing::eventually(
      [&] {
        auto s = inst.state(a);
        return s && !json::boolean((*s)["connection"], "online");
      },
      20s));
  REQUIRE(testing::eventually([&] { return inst.seq_of(b) == 2; }, 20s));
  CHECK(json::str((*inst.state(a))["connection"], "offline_since") == format_ms(t0 + 2000));

  std::vector<VehicleEventSeen> evs;
  REQUIRE(testing::eventually(
      [&] {
        evs = vehicle_events(cluster);
        return count_type(evs, kTypeOffline, a) == 1 && count_type(evs, kTypeOnline, b) == 2;
      },
      20s));
  // b's silence was found by its next reading, at its deadline (b falls
  // silent again afterwards: later offline periods are not this one).
  std::size_t b_first_offline = 0;
  for (const auto& e : evs) {
    if (e.type == kTypeOffline && e.vin == b &&
        json::str(*events::parse_strict_json(e.data), "offline_since") == format_ms(t0 + 2000)) {
      ++b_first_offline;
    }
  }
  CHECK(b_first_offline == 1);
  CHECK(count_type(evs, kTypeConfigurationReported, a) == 1);
  std::set<std::string> ids;
  for (const auto& e : evs) CHECK(ids.insert(e.id).second);  // nothing emitted twice
}

TEST_CASE("a wiped store replays to the same state and emits no new event ids", "[component][replay]") {
  devbroker::MockCluster cluster(1);
  Instance inst(cluster, testing::fresh_dir("telemetry-replay"), "t-0", {{"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "1s"}});
  REQUIRE(inst.wait_ready());
  const auto t0 = now_ms() - 60'000;  // a minute of history: gaps longer than the timeout are offline periods
  std::vector<kafka::Record> records;
  std::vector<std::string> vins;
  for (int v = 0; v < 20; ++v) {
    vins.push_back(vin(100 + v));
    for (std::uint64_t seq = 1; seq <= 12; ++seq) {
      const auto gap = (seq % 4 == 0 && v % 3 == 0) ? 5000 : 500;  // some vehicles fall silent now and then
      const std::string conf = R"(,"configuration":{"mode":")" + std::string(seq > 6 ? "B" : "A") + "\"}";
      const std::string diag = seq % 5 == 0 ? R"(,"diagnostics":[{"code":"P1","severity":"error"}])"
                                            : (seq % 5 == 1 ? R"(,"diagnostics":[])" : "");
      records.push_back(reading_record({vins.back(), seq, t0 + static_cast<std::int64_t>(seq) * 3000 + gap,
                                        seq % 2 ? "RUNNING" : "PARKED", conf + diag}));
    }
  }
  std::swap(records[3], records[5]);  // reordered
  records.push_back(records[7]);      // duplicated
  devbroker::testing::produce_all(cluster.bootstrap(), records);
  auto settled = [&](Instance& i) {
    for (const auto& v : vins) {
      auto s = i.state(v);
      if (!s || json::int64(*s, "seq") != 12 || json::boolean((*s)["connection"], "online")) return false;
    }
    return true;
  };
  REQUIRE(testing::eventually([&] { return settled(inst); }, 30s));  // all offline by now: history is old
  std::map<std::string, std::string> before;
  for (const auto& v : vins) {
    for (const char* what : {"state", "timeline?limit=500", "connectivity"}) {
      before[v + what] = raw_state(inst, v, what);
    }
  }
  auto distinct = [&] {
    std::set<std::string> ids;
    for (const auto& e : vehicle_events(cluster)) ids.insert(e.id);
    return ids;
  };
  // Every event of the first run is on the topic once the outbox is empty.
  REQUIRE(testing::eventually([&] { return inst.service->runtime().outbox_pending() == 0; }, 20s));
  const auto ids_before = distinct();
  CHECK(count_type(vehicle_events(cluster), kTypeOffline) >= vins.size());
  inst.stop();
  inst.wipe();
  inst.start();
  REQUIRE(inst.wait_ready());
  REQUIRE(testing::eventually([&] { return settled(inst); }, 30s));
  for (const auto& v : vins) {
    for (const char* what : {"state", "timeline?limit=500", "connectivity"}) {
      INFO(v << " " << what);
      CHECK(raw_state(inst, v, what) == before[v + what]);
    }
  }
  // The replay re-emits (the outbox of an empty store), but only ids the topic had.
  REQUIRE(testing::eventually([&] { return inst.service->runtime().outbox_pending() == 0; }, 20s));
  CHECK(vehicle_events(cluster).size() > ids_before.size());  // it did emit again...
  CHECK(distinct() == ids_before);                            // ...but nothing new
}

TEST_CASE("two replicas in one group and a rebalance: nothing lost, nothing doubled, the summary right",
          "[component][replicas]") {
  devbroker::MockCluster cluster(1);
  Instance a(cluster, testing::fresh_dir("telemetry-rep-a"), "t-a");
  REQUIRE(a.wait_ready());
  std::vector<std::string> vins;
  for (int v = 0; v < 40; ++v) vins.push_back(vin(200 + v));
  const auto t0 = now_ms();
  std::uint64_t seq = 0;
  auto send_round = [&](const std::string& state) {
    ++seq;
    std::vector<kafka::Record> records;
    for (std::size_t v = 0; v < vins.size(); ++v) {
      const std::string conf = R"(,"configuration":{"round":)" + std::to_string(seq) + "}";
      const std::string diag = v % 4 == 0 ? R"(,"diagnostics":[{"code":"X","severity":"critical"}])" : "";
      records.push_back(reading_record({vins[v], seq, t0 + static_cast<std::int64_t>(seq) * 10, state, conf + diag}));
    }
    devbroker::testing::produce_all(cluster.bootstrap(), records);
  };
  auto served_seq = [&](const std::string& v, std::initializer_list<Instance*> replicas) {
    std::int64_t best = -1;
    for (auto* r : replicas) best = std::max(best, r->seq_of(v));
    return best;
  };
  auto all_at = [&](std::uint64_t s, std::initializer_list<Instance*> replicas) {
    for (const auto& v : vins) {
      if (served_seq(v, replicas) != static_cast<std::int64_t>(s)) return false;
    }
    return true;
  };
  auto summary_right = [&](Instance& r, const char* state) {
    auto s = call(r.port(), "/api/v1/fleet/summary").json();
    return json::int64(s, "vehicles_known") == static_cast<std::int64_t>(vins.size()) &&
           json::int64(s, "vehicles_online") == static_cast<std::int64_t>(vins.size()) &&
           json::int64(s["by_operational_state"], state) == static_cast<std::int64_t>(vins.size()) &&
           json::int64(s["by_diagnostic_severity"], "critical") == static_cast<std::int64_t>(vins.size() / 4) &&
           json::int64(s["by_diagnostic_severity"], "none") == static_cast<std::int64_t>(vins.size() - vins.size() / 4);
  };

  send_round("RUNNING");
  send_round("RUNNING");
  REQUIRE(testing::eventually([&] { return all_at(2, {&a}); }, 30s));

  Instance b(cluster, testing::fresh_dir("telemetry-rep-b"), "t-b");  // joins: the group rebalances
  REQUIRE(b.wait_ready());
  send_round("PARKED");
  REQUIRE(testing::eventually([&] { return all_at(3, {&a, &b}); }, 60s));
  // Each replica serves some partitions, and every vehicle is served by one.
  std::size_t on_a = 0, on_b = 0;
  REQUIRE(testing::eventually(
      [&] {
        on_a = on_b = 0;
        for (const auto& v : vins) {
          on_a += a.seq_of(v) == 3 ? 1 : 0;
          on_b += b.seq_of(v) == 3 ? 1 : 0;
        }
        return on_a + on_b == vins.size() && on_a > 0 && on_b > 0;
      },
      30s));
  // Both replicas answer the fleet summary, rightly, whatever they own.
  REQUIRE(testing::eventually([&] { return summary_right(a, "PARKED") && summary_right(b, "PARKED"); }, 30s));

  a.stop();  // leaves: b takes every partition
  send_round("CHARGING");
  REQUIRE(testing::eventually([&] { return all_at(4, {&b}); }, 60s));
  REQUIRE(testing::eventually([&] { return summary_right(b, "CHARGING"); }, 30s));

  std::vector<VehicleEventSeen> evs;
  REQUIRE(testing::eventually(
      [&] {
        evs = vehicle_events(cluster);
        return count_type(evs, kTypeConfigurationReported) == vins.size() * 4;
      },
      30s));
  for (const auto& v : vins) {
    INFO(v);
    CHECK(count_type(evs, kTypeOnline, v) == 1);
    CHECK(count_type(evs, kTypeConfigurationReported, v) == 4);    // one per round: nothing lost
    CHECK(count_type(evs, kTypeOperationalStateChanged, v) == 3);  // RUNNING, PARKED, CHARGING
    CHECK(count_type(evs, kTypeOffline, v) == 0);
    auto st = *b.state(v);
    CHECK(json::int64(st, "readings_accepted") == 4);  // nothing doubled
  }
}

TEST_CASE("the timeline and the connectivity log stay within their bounds", "[component][bounds]") {
  devbroker::MockCluster cluster(1);
  Instance inst(cluster, testing::fresh_dir("telemetry-bounds"), "t-0",
                {{"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "1s"},
                 {"CAAS_TELEMETRY_TIMELINE_MAX", "3"},
                 {"CAAS_TELEMETRY_CONNECTIVITY_MAX", "2"}});
  REQUIRE(inst.wait_ready());
  const auto a = vin(30);
  const auto t0 = now_ms() - 60'000;
  // Fresh readings 10 s apart with a 1 s timeout: each one ends an offline
  // period (found from the data, no waiting), so each starts an interval.
  std::vector<kafka::Record> records;
  for (std::uint64_t seq = 2; seq <= 6; ++seq) {
    records.push_back(reading_record({a, seq, t0 + static_cast<std::int64_t>(seq) * 10'000}));
  }
  records.push_back(reading_record({a, 1, t0}));  // late and older than everything kept: not kept
  devbroker::testing::produce_all(cluster.bootstrap(), records);
  REQUIRE(testing::eventually(
      [&] {
        auto s = inst.state(a);
        return s && json::int64(*s, "readings_accepted") == 6 && !json::boolean((*s)["connection"], "online");
      },
      30s));
  auto tl = call(inst.port(), "/api/v1/vehicles/" + a + "/timeline").json();
  std::vector<std::int64_t> seqs;
  for (const auto& item : tl["items"].GetArray()) seqs.push_back(*json::int64(item, "seq"));
  CHECK(seqs == std::vector<std::int64_t>{4, 5, 6});
  auto cx = call(inst.port(), "/api/v1/vehicles/" + a + "/connectivity").json();
  REQUIRE(cx["intervals"].Size() == 4);  // the two newest online intervals, each with the offline gap after it
  CHECK(json::str(cx["intervals"][0], "from") == format_ms(t0 + 50'000));
  CHECK(json::str(cx["intervals"][2], "from") == format_ms(t0 + 60'000));
  CHECK(json::str(cx["intervals"][3], "from") == format_ms(t0 + 61'000));
  CHECK(cx["intervals"][3]["until"].IsNull());
}
