// End to end, real processes (issue 13 acceptance): caas-iot-sim streams
// the telemetry of 200 vehicles, signed, through the real caas-webhook-ingress
// into caas-telemetry-ingest, on loopback against an in-process
// Kafka-protocol broker. The simulator duplicates and reorders 5 % of the
// readings and lets vehicles drop off the network and come back; a few more
// go offline while telemetry-ingest is SIGKILLed. At the end every vehicle's
// state equals the simulator's final state field for field, every
// connectivity log matches the simulator's offline periods within the
// timeout's resolution, and a wiped store replays to the same state. Every
// wait is bounded.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caas/devbroker/testing.hpp>
#include <caas/events/time.hpp>

#include "eventually.hpp"
#include "flow_helpers.hpp"
#include "platform.hpp"

using namespace caas::e2e;
using namespace std::chrono_literals;
using Proc = Platform::Proc;
using SysTime = std::chrono::system_clock::time_point;

namespace {

constexpr int kVehicles = 200;
constexpr auto kInterval = 500ms;     // simulator: one reading per vehicle per interval
constexpr auto kOfflineTimeout = 3s;  // telemetry-ingest: silence that makes a vehicle offline
// Delivery of a batch (ingress 200, retries on a busy machine) on top of the
// interval; the comparisons below allow this much either way.
constexpr auto kSlack = 1000ms;
constexpr const char* kTelemetryTopic = "caas.ingress.iot-telemetry.v1";

PlatformOptions vehicle_options() {
  PlatformOptions o;
  o.iot_sim_args = {"--vehicles",
                    std::to_string(kVehicles),
                    "--seed",
                    "13",
                    "--telemetry-interval",
                    "500ms",
                    "--batch-size",
                    "100",
                    "--retry-base",
                    "50ms",
                    "--webhook-timeout",
                    "2s"};
  o.telemetry_env = {{"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "3s"},
                     {"CAAS_TELEMETRY_OFFLINE_GRACE", "300ms"},
                     {"CAAS_TELEMETRY_OFFLINE_CHECK_INTERVAL", "100ms"},
                     {"CAAS_TELEMETRY_OWNERSHIP_CHECK_INTERVAL", "200ms"}};
  return o;
}

SysTime at(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  auto t = caas::events::parse_rfc3339(v.GetString());
  REQUIRE(t);
  return *t;
}

std::int64_t ms(std::chrono::system_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

struct Period {
  SysTime from;
  std::optional<SysTime> to;
};

/// The simulator's offline periods per VIN (only vehicles that were ever offline).
std::map<std::string, std::vector<Period>> sim_offline_periods(const Api& sim) {
  auto r = sim.get("/control/offline-periods");
  REQUIRE(r.status == 200);
  std::map<std::string, std::vector<Period>> out;
  for (const auto& v : r.json["vehicles"].GetArray()) {
    auto& list = out[v["vin"].GetString()];
    for (const auto& p : v["periods"].GetArray()) {
      list.push_back({at(p["from"]), p["to"].IsNull() ? std::nullopt : std::optional(at(p["to"]))});
    }
  }
  return out;
}

/// Offline periods as the platform can see them: a vehicle back for less than
/// one interval took no reading in between, so two such periods are one.
std::vector<Period> merged(const std::vector<Period>& periods) {
  std::vector<Period> out;
  for (const auto& p : periods) {
    if (!out.empty() && out.back().to && p.from - *out.back().to < kInterval) {
      out.back().to = p.to;
    } else {
      out.push_back(p);
    }
  }
  return out;
}

/// telemetry-ingest's offline intervals of a vehicle, oldest first.
std::vector<Period> platform_offline_periods(const Api& telemetry, const std::string& vin) {
  auto r = telemetry.get("/api/v1/vehicles/" + vin + "/connectivity");
  INFO(vin << " " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  std::vector<Period> out;
  for (const auto& i : r.json["intervals"].GetArray()) {
    if (std::string(i["state"].GetString()) != "offline") continue;
    out.push_back({at(i["from"]), i["until"].IsNull() ? std::nullopt : std::optional(at(i["until"]))});
  }
  return out;
}

std::vector<std::string> fleet_vins(const Api& sim) {
  auto r = sim.get("/control/vehicles");
  REQUIRE(r.status == 200);
  std::vector<std::string> vins;
  for (const auto& v : r.json["vehicles"].GetArray()) vins.emplace_back(v["vin"].GetString());
  return vins;
}

std::string faults(const std::string& fleet, const std::vector<std::string>& offline = {}, bool value = true) {
  std::string vehicles;
  for (const auto& vin : offline) {
    vehicles += (vehicles.empty() ? "" : ",") + ("\"" + vin + "\":") + (value ? R"({"offline":true})" : "null");
  }
  return R"({"fleet":)" + fleet + R"(,"vehicles":{)" + vehicles + "}}";
}

/// Active diagnostics as (code, severity) pairs: the order of the list is not part of the state.
std::set<std::string> diagnostics(const rapidjson::Value& list) {
  std::set<std::string> out;
  if (!list.IsArray()) return {"<not a list>"};
  for (const auto& d : list.GetArray()) out.insert(to_string(d["code"]) + "/" + to_string(d["severity"]));
  return out;
}

std::uint64_t u64(const rapidjson::Value& v, const char* field) {
  auto it = v.FindMember(field);
  return it != v.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

/// Every vehicle's state and connectivity log, as the API shows them.
std::map<std::string, std::string> snapshot(const Api& telemetry, const std::vector<std::string>& vins) {
  std::map<std::string, std::string> out;
  for (const auto& vin : vins) {
    out[vin + "/state"] = telemetry.get("/api/v1/vehicles/" + vin + "/state").body;
    out[vin + "/connectivity"] = telemetry.get("/api/v1/vehicles/" + vin + "/connectivity").body;
  }
  out["fleet"] = telemetry.get("/api/v1/fleet/summary").body;
  return out;
}

}  // namespace

TEST_CASE("200 vehicles stream through the ingress into telemetry-ingest: state, connectivity, crash, replay",
          "[e2e]") {
  Phases phase;
  Platform platform(vehicle_options());
  platform.start_vehicle_flow();
  phase("ingress, telemetry-ingest and caas-iot-sim ready");
  const auto sim = platform.iot_sim();
  const auto telemetry = platform.telemetry_api();
  const auto vins = fleet_vins(sim);
  REQUIRE(vins.size() == kVehicles);

  // 5 % duplicated and 5 % reordered readings; vehicles drop off now and
  // then for 6 s, twice the timeout (a shorter absence is no silence to the
  // platform), and come back by themselves.
  const std::string noisy =
      R"({"duplicate_probability":0.05,"reorder_probability":0.05,"offline_flap_probability":0.004,"offline_flap_ms":6000})";
  // After every vehicle was heard of: an absence before the first reading is
  // invisible to the platform.
  REQUIRE(caas::testing::eventually(
      [&] { return u64(telemetry.get("/api/v1/fleet/summary").json, "vehicles_known") == kVehicles; }, 60s));
  REQUIRE(sim.post("/control/faults", faults(noisy)).status == 200);
  phase("every vehicle known to telemetry-ingest; faults on");

  // SIGKILL mid-run; while it is down five vehicles go silent for longer
  // than the timeout. The simulator keeps streaming into the ingress.
  const std::vector<std::string> dark(vins.begin(), vins.begin() + 5);
  platform.kill_hard(Proc::telemetry);
  REQUIRE(sim.post("/control/faults", faults(noisy, dark)).status == 200);
  phase("telemetry-ingest SIGKILLed; 5 vehicles offline");
  // The scenario needs them silent past the timeout while the service is down.
  const auto silent_until = std::chrono::steady_clock::now() + kOfflineTimeout + 1s;
  std::this_thread::sleep_until(silent_until);
  platform.start(Proc::telemetry);
  REQUIRE(platform.wait_ready(Proc::telemetry, 60s));
  phase("telemetry-ingest restarted and caught up");
  // Silent while it was down: offline once it has caught up.
  for (const auto& vin : dark) {
    INFO(vin);
    REQUIRE(caas::testing::eventually(
        [&] {
          auto s = telemetry.get("/api/v1/vehicles/" + vin + "/state");
          return s.status == 200 && s.json["connection"].IsObject() && !s.json["connection"]["online"].GetBool();
        },
        20s));
  }
  REQUIRE(sim.post("/control/faults", faults(noisy, dark, false)).status == 200);
  phase("the 5 vehicles offline in telemetry-ingest; back on the network");

  // Stream on with every fault for a while, then quiet down: no new faults,
  // every period closed, every held-back reading sent behind a newer one.
  const auto noisy_until = std::chrono::steady_clock::now() + 8s;
  std::this_thread::sleep_until(noisy_until);  // run time with faults, not a synchronisation
  REQUIRE(sim.post("/control/faults", faults(R"({"duplicate_probability":0.0,"reorder_probability":0.0,)"
                                             R"("offline_flap_probability":0.0})"))
              .status == 200);
  std::map<std::string, std::uint64_t> seq_at_quiet;
  const auto quiet = sim.get("/control/vehicles");
  REQUIRE(quiet.status == 200);
  for (const auto& v : quiet.json["vehicles"].GetArray()) {
    seq_at_quiet[v["vin"].GetString()] = u64(v["telemetry"], "next_seq");
  }
  // Every vehicle online, with eight readings (4 s, longer than the timeout)
  // taken since the faults stopped: nothing is held back, every period closed.
  REQUIRE(caas::testing::eventually(
      [&] {
        auto r = sim.get("/control/vehicles");
        if (r.status != 200) return false;
        for (const auto& v : r.json["vehicles"].GetArray()) {
          if (!v["online"].GetBool() || u64(v["telemetry"], "next_seq") < seq_at_quiet[v["vin"].GetString()] + 8) {
            return false;
          }
        }
        return true;
      },
      60s));
  REQUIRE(sim.post("/control/telemetry/pause", "").status == 200);
  const auto paused_at = std::chrono::system_clock::now();
  REQUIRE(caas::testing::eventually(
      [&] {
        auto s = sim.get("/control/stats").json;
        return u64(s["telemetry_webhooks"], "waiting") == 0 && u64(s["telemetry_webhooks"], "in_flight") == 0;
      },
      30s));
  phase("faults off, telemetry paused and delivered");

  {  // The faults really happened, so the comparisons prove something.
    auto stats = sim.get("/control/stats");
    INFO(stats.body);
    const auto& t = stats.json["telemetry"];
    CHECK(u64(t, "readings_duplicated") > 0);
    CHECK(u64(t, "readings_reordered") > 0);
    CHECK(u64(t, "readings_lost") == 0);
    CHECK(u64(stats.json["telemetry_webhooks"], "failed") == 0);
  }
  const auto sim_periods = sim_offline_periods(sim);
  std::size_t flapped = 0;
  for (const auto& [vin, periods] : sim_periods) {
    if (std::find(dark.begin(), dark.end(), vin) == dark.end()) flapped += 1;
  }
  CHECK(flapped > 0);

  // Per vehicle: the state equals the simulator's last reading, field for field.
  auto fleet = sim.get("/control/vehicles");
  REQUIRE(fleet.status == 200);
  for (const auto& v : fleet.json["vehicles"].GetArray()) {
    const std::string vin = v["vin"].GetString();
    const auto& tel = v["telemetry"];
    INFO(vin << " " << to_string(v));
    REQUIRE(u64(tel, "delivered_seq") == u64(tel, "last_taken_seq"));
    const auto& last = tel["last_reading"];
    REQUIRE(last.IsObject());
    JsonResponse state;
    REQUIRE(caas::testing::eventually(
        [&] {
          state = telemetry.get("/api/v1/vehicles/" + vin + "/state");
          return state.status == 200 && u64(state.json, "seq") == u64(last, "seq");
        },
        30s));
    INFO(state.body);
    CHECK(state.str("reported_at") == last["time"].GetString());
    CHECK(state.str("operational_state") == last["operational_state"].GetString());
    CHECK(state.json["position"] == last["position"]);
    CHECK(state.json["configuration"] == last["configuration"]);
    CHECK(diagnostics(state.json["diagnostics"]) == diagnostics(last["diagnostics"]));
    CHECK(state.json["connectivity"] == last["connectivity"]);
    // ... and the simulator's status document agrees with its own last reading.
    CHECK(v["operational_state"] == last["operational_state"]);
    CHECK(v["configuration"] == last["configuration"]);
  }
  phase("every vehicle's state equals the simulator's");

  // Paused, every vehicle falls silent: offline after the timeout.
  REQUIRE(caas::testing::eventually(
      [&] {
        auto s = telemetry.get("/api/v1/fleet/summary");
        return s.status == 200 && u64(s.json, "vehicles_known") == kVehicles && u64(s.json, "vehicles_online") == 0;
      },
      30s));
  phase("all silent vehicles offline");

  // Connectivity: each offline period of the simulator is one offline
  // interval of the platform. The platform last heard of the vehicle at most
  // one interval (two, if the last reading was held back) before it left,
  // and hears of it again within one interval (two, likewise) of its return.
  for (const auto& vin : vins) {
    INFO(vin);
    auto seen = platform_offline_periods(telemetry, vin);
    REQUIRE_FALSE(seen.empty());  // the silence after the pause
    const auto trailing = seen.back();
    seen.pop_back();
    CHECK_FALSE(trailing.to);
    const auto heard_last = trailing.from - kOfflineTimeout;
    CHECK(ms(heard_last - paused_at) <= ms(kSlack));
    CHECK(ms(paused_at - heard_last) <= ms(2 * kInterval + kSlack));
    const auto it = sim_periods.find(vin);
    const auto expected = it == sim_periods.end() ? std::vector<Period>{} : merged(it->second);
    INFO("simulator: " << sim.get("/control/offline-periods?vin=" + vin).body);
    INFO("platform: " << telemetry.get("/api/v1/vehicles/" + vin + "/connectivity").body);
    INFO("dark: " << (std::find(dark.begin(), dark.end(), vin) != dark.end()));
    REQUIRE(seen.size() == expected.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
      INFO("period " << i << ": simulator " << caas::format_rfc3339(expected[i].from) << " .. "
                     << (expected[i].to ? caas::format_rfc3339(*expected[i].to) : "open") << ", platform "
                     << caas::format_rfc3339(seen[i].from) << " .. "
                     << (seen[i].to ? caas::format_rfc3339(*seen[i].to) : "open"));
      REQUIRE(expected[i].to);
      REQUIRE(seen[i].to);
      const auto last_heard = seen[i].from - kOfflineTimeout;
      CHECK(ms(last_heard - expected[i].from) <= ms(kSlack));
      CHECK(ms(expected[i].from - last_heard) <= ms(2 * kInterval + kSlack));
      CHECK(ms(*expected[i].to - *seen[i].to) <= ms(kSlack));
      CHECK(ms(*seen[i].to - *expected[i].to) <= ms(2 * kInterval + kSlack));
    }
  }
  phase("every connectivity log matches the simulator's offline periods");

  // The replay below reads the whole topic: nothing may have been dropped by
  // the local broker's 5 MiB per partition.
  {
    const auto records = caas::devbroker::testing::consume_all(platform.bootstrap(), kTelemetryTopic, 60s);
    std::map<std::int32_t, std::int64_t> first_offset;
    std::map<std::int32_t, std::size_t> bytes;
    for (const auto& r : records) {
      first_offset.emplace(r.partition, r.offset);
      bytes[r.partition] += r.value.size();
    }
    for (const auto& [p, first] : first_offset) {
      INFO("partition " << p << ": " << bytes[p] << " bytes");
      CHECK(first == 0);
      CHECK(bytes[p] < 4u * 1024 * 1024);
    }
  }

  // A wiped store replays to the same state, log and fleet summary.
  const auto before = snapshot(telemetry, vins);
  platform.stop(Proc::telemetry);
  platform.wipe_store(Proc::telemetry);
  platform.start(Proc::telemetry);
  REQUIRE(platform.wait_ready(Proc::telemetry, 120s));
  // The replayed readings leave the silent vehicles online past their
  // deadlines until the sweeper, once caught up, acts on them as before.
  std::map<std::string, std::string> after;
  CHECK(caas::testing::eventually(
      [&] {
        after = snapshot(telemetry, vins);
        return after == before;
      },
      60s));
  for (const auto& [what, body] : before) {
    INFO(what);
    CHECK(after.at(what) == body);
  }
  phase("a wiped store replayed to the same state");
}
