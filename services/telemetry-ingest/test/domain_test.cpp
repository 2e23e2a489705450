// telemetry-ingest's pure rules: dedup window, latest state vs out-of-order
// readings, configuration and diagnostic changes, offline by silence, the
// fleet counters and partition serving. No store, no broker.
#include "domain/fleet.hpp"
#include "domain/ownership.hpp"
#include "domain/reading.hpp"
#include "domain/seq_window.hpp"
#include "domain/vehicle.hpp"
#include "domain/vehicle_events.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace caas::telemetry;
using namespace std::chrono_literals;
namespace json = caas::events::json;

namespace {

constexpr const char* kVin = "VSSZZZ6JZ9R056308";
constexpr std::int64_t kT0 = 1'795'000'000'000;  // 2026-11-18, ms

/// A reading as the ingress writes it; `extra` is appended inside the object.
Reading reading(std::uint64_t seq, std::int64_t received_ms, const std::string& state = "PARKED",
                const std::string& extra = "") {
  const auto data = std::string(R"({"vin":")") + kVin + R"(","seq":)" + std::to_string(seq) + R"(,"time":")" +
                    format_ms(received_ms - 50) + R"(","operational_state":")" + state + R"(","received_at":")" +
                    format_ms(received_ms) + R"(","source":"iot-telemetry","request_id":"r","secret_id":"s")" + extra +
                    "}";
  auto r = parse_reading(data);
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string_view> types(const Outcome& o) {
  std::vector<std::string_view> out;
  for (const auto& e : o.events) out.push_back(e.type);
  return out;
}

rapidjson::Document data_of(const VehicleEvent& e) {
  auto d = caas::events::parse_strict_json(e.data);
  REQUIRE(d.ok());
  return std::move(*d);
}

Policy policy() {
  Policy p;
  p.offline_timeout = 60s;
  p.dedup_window = 64;
  return p;
}

}  // namespace

TEST_CASE("the seq window tells fresh, out-of-order, duplicate and too-old readings apart", "[unit][dedup]") {
  SeqWindow w(64);
  CHECK(w.admit(10) == SeqVerdict::fresh);
  CHECK(w.admit(10) == SeqVerdict::duplicate);
  CHECK(w.admit(12) == SeqVerdict::fresh);
  CHECK(w.admit(11) == SeqVerdict::out_of_order);
  CHECK(w.admit(11) == SeqVerdict::duplicate);
  CHECK(w.admit(10) == SeqVerdict::duplicate);
  CHECK(w.admit(9) == SeqVerdict::out_of_order);  // never seen, still inside the window
  CHECK(w.admit(100) == SeqVerdict::fresh);
  CHECK(w.admit(36) == SeqVerdict::out_of_order);  // distance 64: the window's last slot
  CHECK(w.admit(35) == SeqVerdict::too_old);
  CHECK(w.admit(12) == SeqVerdict::too_old);
  CHECK(w.admit(99) == SeqVerdict::out_of_order);
  CHECK(w.high() == 100);

  // Survives its codec (the vehicle record) bit for bit, also across a jump.
  auto copy = SeqWindow::decode(w.encode(), 64);
  CHECK(copy == w);
  CHECK(copy.admit(99) == SeqVerdict::duplicate);
  CHECK(copy.admit(36) == SeqVerdict::duplicate);
  CHECK(copy.admit(1000) == SeqVerdict::fresh);
  CHECK(copy.admit(100) == SeqVerdict::too_old);
  CHECK(copy.admit(999) == SeqVerdict::out_of_order);
  CHECK(SeqWindow::decode("", 64).empty());
}

TEST_CASE("a reading is parsed with its configuration values as sent", "[unit][reading]") {
  auto r = reading(7, kT0, "RUNNING",
                   R"(,"position":{"lat":40.4168,"lon":-3.7038},"configuration":{"power_mode":"HIGH","snow":1,)"
                   R"("x":true},"diagnostics":[{"code":"P1","severity":"warning"},{"code":"P1","severity":"error"}],)"
                   R"("connectivity":{"signal_dbm":-85,"network":"LTE"},"platform":"MQB")");
  REQUIRE(r.configuration);
  CHECK(r.configuration->at("power_mode") == "\"HIGH\"");
  CHECK(r.configuration->at("snow") == "1");
  CHECK(r.configuration->at("x") == "true");
  REQUIRE(r.diagnostics);
  REQUIRE(r.diagnostics->size() == 1);  // the same code twice: the worse severity
  CHECK((*r.diagnostics)[0].severity == "error");
  CHECK(r.position == Position{40.4168, -3.7038});
  CHECK(r.connectivity->signal_dbm == -85);
  CHECK(r.platform == "MQB");
  CHECK(r.received_ms == kT0);

  auto bare = reading(8, kT0, "OFF", R"(,"diagnostics":null,"configuration":null)");
  CHECK_FALSE(bare.diagnostics);  // null = not reported
  CHECK_FALSE(bare.configuration);
  CHECK(reading(9, kT0, "OFF", R"(,"diagnostics":[])").diagnostics->empty());  // [] = none active
  CHECK_FALSE(parse_reading(R"({"vin":"X","seq":-1})").ok());
}

TEST_CASE("the first reading brings the vehicle online and reports everything", "[unit][state]") {
  auto r = reading(1, kT0, "RUNNING", R"(,"configuration":{"power_mode":"LOW"},"diagnostics":[{"code":"P0420"}])");
  auto o = apply_reading(std::nullopt, r, policy(), 3);
  CHECK(o.verdict == SeqVerdict::fresh);
  CHECK(types(o) == std::vector<std::string_view>{kTypeOnline, kTypeOperationalStateChanged, kTypeConfigurationReported,
                                                  kTypeDiagnosticRaised});
  CHECK(o.state.online);
  CHECK(o.state.partition == 3);
  CHECK(o.state.deadline_ms == kT0 + 60'000);
  CHECK(o.added_deadline == kT0 + 60'000);
  CHECK_FALSE(o.removed_deadline);
  CHECK(o.intervals == std::vector<OnlineInterval>{{kT0, std::nullopt}});
  CHECK(json::str(data_of(o.events[3]), "severity") == "info");  // none sent
  CHECK(o.events[0].at_ms == kT0);
}

TEST_CASE("duplicates change nothing, an older reading never overwrites the latest state", "[unit][state]") {
  const auto p = policy();
  auto s1 = apply_reading(std::nullopt, reading(5, kT0, "RUNNING"), p, 0).state;
  auto o = apply_reading(s1, reading(5, kT0 + 10, "PARKED"), p, 0);
  CHECK(o.verdict == SeqVerdict::duplicate);
  CHECK(o.state == s1);
  CHECK(o.events.empty());

  auto s2 = apply_reading(s1, reading(7, kT0 + 2000, "CHARGING"), p, 0).state;
  auto late = apply_reading(s2, reading(6, kT0 + 3000, "OFF", R"(,"configuration":{"a":1})"), p, 0);
  CHECK(late.verdict == SeqVerdict::out_of_order);
  CHECK(late.events.empty());
  CHECK(late.state.operational_state == "CHARGING");
  CHECK(late.state.seq == 7);
  CHECK_FALSE(late.state.configuration_reported);
  CHECK(late.state.deadline_ms == s2.deadline_ms);  // says nothing about the connection
  CHECK(late.state.readings == s2.readings + 1);
  CHECK(apply_reading(late.state, reading(6, kT0 + 4000), p, 0).verdict == SeqVerdict::duplicate);
}

TEST_CASE("configuration-reported only when the reported configuration changes", "[unit][configuration]") {
  const auto p = policy();
  auto s = apply_reading(std::nullopt, reading(1, kT0, "PARKED", R"(,"configuration":{"a":"X","b":1})"), p, 0).state;
  auto same = apply_reading(s, reading(2, kT0 + 1000, "PARKED", R"(,"configuration":{"b":1,"a":"X"})"), p, 0);
  CHECK(same.events.empty());
  auto none = apply_reading(same.state, reading(3, kT0 + 2000, "PARKED"), p, 0);
  CHECK(none.events.empty());  // not reported is not a change
  CHECK(none.state.configuration.size() == 2);
  auto changed =
      apply_reading(none.state, reading(4, kT0 + 3000, "PARKED", R"(,"configuration":{"a":"Y","c":2})"), p, 0);
  REQUIRE(types(changed) == std::vector<std::string_view>{kTypeConfigurationReported});
  auto d = data_of(changed.events[0]);
  CHECK(json::strings(d, "changed") == std::vector<std::string>{"a", "b", "c"});
  CHECK(json::str(d["parameters"], "a") == "Y");
  CHECK(json::int64(d, "seq") == 4);
}

TEST_CASE("diagnostics are raised, re-raised on a severity change and cleared", "[unit][diagnostics]") {
  const auto p = policy();
  auto s =
      apply_reading(std::nullopt, reading(1, kT0, "PARKED", R"(,"diagnostics":[{"code":"A","severity":"info"}])"), p, 0)
          .state;
  auto o = apply_reading(
      s, reading(2, kT0 + 1000, "PARKED", R"(,"diagnostics":[{"code":"A","severity":"error"},{"code":"B"}])"), p, 0);
  REQUIRE(types(o) == std::vector<std::string_view>{kTypeDiagnosticRaised, kTypeDiagnosticRaised});
  CHECK(json::str(data_of(o.events[0]), "previous_severity") == "info");
  CHECK(worst_severity(o.state.diagnostics) == "error");
  auto kept = apply_reading(o.state, reading(3, kT0 + 2000), p, 0);
  CHECK(kept.events.empty());
  CHECK(kept.state.diagnostics.size() == 2);
  auto cleared = apply_reading(kept.state, reading(4, kT0 + 3000, "PARKED", R"(,"diagnostics":[{"code":"B"}])"), p, 0);
  REQUIRE(types(cleared) == std::vector<std::string_view>{kTypeDiagnosticCleared});
  CHECK(json::str(data_of(cleared.events[0]), "code") == "A");
  CHECK(json::str(data_of(cleared.events[0]), "severity") == "error");
  CHECK(cleared.events[0].id != o.events[0].id);
}

TEST_CASE("offline by silence: the deadline, the next fresh reading, the same ids either way", "[unit][offline]") {
  const auto p = policy();
  auto s1 = apply_reading(std::nullopt, reading(1, kT0), p, 0).state;
  auto s2o = apply_reading(s1, reading(2, kT0 + 30'000), p, 0);
  CHECK(s2o.events.empty());
  CHECK(s2o.removed_deadline == kT0 + 60'000);  // the deadline moved
  CHECK(s2o.added_deadline == kT0 + 90'000);
  const auto s2 = s2o.state;

  // The sweeper's path: the stale entry is refused, the real one taken.
  CHECK_FALSE(silence_passed(s2, kT0 + 60'000, p));
  auto swept = silence_passed(s2, kT0 + 90'000, p);
  REQUIRE(swept);
  REQUIRE(types(*swept) == std::vector<std::string_view>{kTypeOffline});
  CHECK(swept->events[0].at_ms == kT0 + 90'000);
  CHECK_FALSE(swept->state.online);
  CHECK(swept->intervals == std::vector<OnlineInterval>{{kT0, kT0 + 90'000}});
  CHECK(swept->removed_deadline == kT0 + 90'000);
  CHECK_FALSE(silence_passed(swept->state, kT0 + 90'000, p));  // once

  const auto back_reading = reading(3, kT0 + 200'000);
  auto back = apply_reading(swept->state, back_reading, p, 0);
  REQUIRE(types(back) == std::vector<std::string_view>{kTypeOnline});
  CHECK(json::str(data_of(back.events[0]), "offline_since") == format_ms(kT0 + 90'000));
  CHECK(back.intervals == std::vector<OnlineInterval>{{kT0 + 200'000, std::nullopt}});
  CHECK_FALSE(back.removed_deadline);
  CHECK(back.added_deadline == kT0 + 260'000);

  // A replay (or a service that was down) finds the silence from the data
  // alone: offline at the same deadline, then online, with the same ids.
  auto replayed = apply_reading(s2, back_reading, p, 0);
  REQUIRE(types(replayed) == std::vector<std::string_view>{kTypeOffline, kTypeOnline});
  CHECK(replayed.events[0].id == swept->events[0].id);
  CHECK(replayed.events[0].data == swept->events[0].data);
  CHECK(replayed.events[1].id == back.events[0].id);
  CHECK(replayed.state == back.state);
  CHECK(replayed.intervals == std::vector<OnlineInterval>{{kT0, kT0 + 90'000}, {kT0 + 200'000, std::nullopt}});
}

TEST_CASE("a reading received before the deadline but applied after the sweep reopens the interval",
          "[unit][offline]") {
  const auto p = policy();
  auto s1 = apply_reading(std::nullopt, reading(1, kT0), p, 0).state;
  auto swept = silence_passed(s1, kT0 + 60'000, p);
  REQUIRE(swept);
  auto late = apply_reading(swept->state, reading(2, kT0 + 59'000), p, 0);
  REQUIRE(types(late) == std::vector<std::string_view>{kTypeOnline});
  CHECK(json::boolean(data_of(late.events[0]), "corrects_offline"));
  CHECK(late.state.online);
  CHECK(late.state.online_since_ms == kT0);
  CHECK(late.intervals == std::vector<OnlineInterval>{{kT0, std::nullopt}});
  CHECK(late.state.deadline_ms == kT0 + 119'000);
  // What a replay computes (no sweep in between): the same connection state.
  auto direct = apply_reading(s1, reading(2, kT0 + 59'000), p, 0).state;
  CHECK(direct.online == late.state.online);
  CHECK(direct.online_since_ms == late.state.online_since_ms);
  CHECK(direct.deadline_ms == late.state.deadline_ms);
}

TEST_CASE("the timeout is per platform, with a default", "[unit][offline]") {
  auto p = policy();
  p.platform_timeouts["MEB"] = 10s;
  auto meb = apply_reading(std::nullopt, reading(1, kT0, "PARKED", R"(,"platform":"MEB")"), p, 0).state;
  CHECK(meb.deadline_ms == kT0 + 10'000);
  auto other = apply_reading(std::nullopt, reading(1, kT0, "PARKED", R"(,"platform":"MQB")"), p, 0).state;
  CHECK(other.deadline_ms == kT0 + 60'000);
  auto off = silence_passed(meb, kT0 + 10'000, p);
  REQUIRE(off);
  CHECK(json::int64(data_of(off->events[0]), "timeout_ms") == 10'000);
}

TEST_CASE("event ids are deterministic and distinct", "[unit][ids]") {
  const auto p = policy();
  auto r = reading(1, kT0, "RUNNING", R"(,"configuration":{"a":1},"diagnostics":[{"code":"A"},{"code":"B"}])");
  auto a = apply_reading(std::nullopt, r, p, 0);
  auto b = apply_reading(std::nullopt, r, p, 0);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    CHECK(a.events[i].id == b.events[i].id);
    CHECK(a.events[i].data == b.events[i].data);
    ids.insert(a.events[i].id);
  }
  CHECK(ids.size() == a.events.size());
}

TEST_CASE("fleet counters follow the vehicle events", "[unit][fleet]") {
  FleetCounters c;
  std::map<std::string, FleetEntry> entries;
  auto apply = [&](const std::string& vin, std::string_view type, const std::string& data) {
    std::optional<FleetEntry> before;
    if (entries.contains(vin)) before = entries[vin];
    auto after = fleet_apply(before, type, data);
    if (!after) return;
    fleet_count(c, before, *after);
    entries[vin] = *after;
  };
  apply("V1", kTypeOnline, "{}");
  apply("V1", kTypeOperationalStateChanged, R"({"operational_state":"RUNNING"})");
  apply("V2", kTypeOnline, "{}");
  apply("V2", kTypeOperationalStateChanged, R"({"operational_state":"PARKED"})");
  apply("V2", kTypeDiagnosticRaised, R"({"code":"A","severity":"critical"})");
  apply("V2", kTypeDiagnosticRaised, R"({"code":"B","severity":"info"})");
  apply("V1", kTypeOffline, "{}");
  CHECK(c.known == 2);
  CHECK(c.online == 1);
  CHECK(c.online_ratio() == 0.5);
  CHECK(c.by_state == std::map<std::string, std::int64_t>{{"PARKED", 1}, {"RUNNING", 1}});
  CHECK(c.by_severity == std::map<std::string, std::int64_t>{{"critical", 1}, {"none", 1}});
  apply("V2", kTypeDiagnosticCleared, R"({"code":"A","severity":"critical"})");
  apply("V1", kTypeOperationalStateChanged, R"({"operational_state":"PARKED"})");
  CHECK(c.by_severity == std::map<std::string, std::int64_t>{{"info", 1}, {"none", 1}});
  CHECK(c.by_state == std::map<std::string, std::int64_t>{{"PARKED", 2}});
  CHECK(c.known == 2);
}

TEST_CASE("a replica serves a partition when it has applied what the group has", "[unit][ownership]") {
  CHECK(partition_served(std::nullopt, std::nullopt));
  CHECK(partition_served(10, std::nullopt));
  CHECK(partition_served(10, 10));
  CHECK(partition_served(11, 10));
  CHECK_FALSE(partition_served(9, 10));  // another replica got further: ours is stale
  CHECK_FALSE(partition_served(std::nullopt, 10));
}
