// Unit tests of the pure parts: VINs and fleet generation, parameter values,
// request validation, command execution (applied, unknown parameter, wrong
// kind, firmware error, reject, partial), the network's command life (accept,
// apply once, repeats, offline hold, TTL, lost acks), the fault plan
// (patches, per-vehicle entries, draws, rate limit), telemetry with its
// faults (gaps, duplicates, reordering), batches, retry verdicts and the
// per-key webhook queue.
#include "domain/fault_plan.hpp"
#include "domain/network.hpp"
#include "domain/outbox.hpp"
#include "domain/requests.hpp"
#include "domain/telemetry.hpp"
#include "domain/views.hpp"

#include <caas/events/json.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace caas;
using namespace caas::iot_sim;
using namespace std::chrono_literals;

namespace {

rapidjson::Document parse(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  INFO(text);
  REQUIRE(doc);
  return std::move(*doc);
}

std::string str(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

const TimePoint kT0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h;
const SteadyTime kS0 = SteadyTime{} + 1000h;

std::vector<Vehicle> fleet_of(std::size_t n, std::uint64_t seed = 7) {
  SeededRandom rng(seed);
  return generate_fleet(n, rng);
}

/// A vehicle on the SUV platform (every seed-004 parameter).
Vehicle suv() {
  Vehicle v;
  v.vin = "VSSZZZ6JZ9R056308";
  v.platform = "SUV_ELECTRIC_2024";
  v.parameters = platforms().front().defaults;
  return v;
}

FaultPlan plan_from(const std::string& patch, const std::vector<Vehicle>& fleet = {}) {
  FaultPlan plan;
  auto doc = parse(patch);
  auto known = [&](std::string_view vin) {
    return std::any_of(fleet.begin(), fleet.end(), [&](const Vehicle& v) { return v.vin == vin; });
  };
  auto e = plan.apply_patch(doc, known);
  INFO((e ? e->message : std::string()));
  REQUIRE_FALSE(e);
  return plan;
}

ConfigurationRequest command(const std::string& id, Parameters p) {
  return {id, std::move(p)};
}

}  // namespace

TEST_CASE("VINs: ISO 3779 alphabet, length and check digit", "[unit][fleet]") {
  CHECK(valid_vin("1M8GDM9AXKP042788"));
  CHECK(vin_check_digit("1M8GDM9AXKP042788") == 'X');  // the standard's worked example
  CHECK(vin_check_digit("11111111111111111") == '1');
  CHECK_FALSE(valid_vin("1M8GDM9AXKP04278"));    // 16
  CHECK_FALSE(valid_vin("1M8GDM9AXKP0427881"));  // 18
  CHECK_FALSE(valid_vin("IM8GDM9AXKP042788"));   // I
  CHECK_FALSE(valid_vin("1M8GDM9AXKP04278O"));   // O
  CHECK_FALSE(valid_vin("1M8GDM9AXKQ042788"));   // Q
  CHECK_FALSE(valid_vin("1m8gdm9axkp042788"));   // lower case
}

TEST_CASE("the fleet is reproducible from the seed, with distinct valid VINs", "[unit][fleet]") {
  const auto a = fleet_of(300, 42);
  const auto b = fleet_of(300, 42);
  const auto c = fleet_of(300, 43);
  REQUIRE(a.size() == 300);
  std::set<std::string> vins;
  std::set<std::string> platforms_seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& v = a[i];
    CHECK(valid_vin(v.vin));
    CHECK(v.vin[8] == vin_check_digit(v.vin));
    CHECK(v.vin.substr(0, 3) == "VSS");
    CHECK(v.vin[9] == 'R');  // model year 2024
    vins.insert(v.vin);
    platforms_seen.insert(v.platform);
    CHECK(v.vin == b[i].vin);
    CHECK(v.platform == b[i].platform);
    CHECK(v.parameters == b[i].parameters);
    CHECK(v.position.lat == b[i].position.lat);
    CHECK(v.online);
    CHECK(v.next_seq == 1);
    CHECK((v.operational_state == OperationalState::parked || v.operational_state == OperationalState::off));
    CHECK(v.position.lat > 36.0);
    CHECK(v.position.lat < 44.0);
    const auto spec = std::find_if(platforms().begin(), platforms().end(),
                                   [&](const PlatformSpec& p) { return p.name == v.platform; });
    REQUIRE(spec != platforms().end());
    CHECK(v.parameters == spec->defaults);
    CHECK(v.firmware_version == spec->firmware_version);
  }
  CHECK(vins.size() == 300);
  CHECK(platforms_seen.size() == platforms().size());
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i].vin == c[i].vin ? 1 : 0;
  CHECK(same < 300);
}

TEST_CASE("evolve: states follow the allowed transitions, signal and diagnostics stay in bounds", "[unit][fleet]") {
  auto fleet = fleet_of(20, 3);
  SeededRandom rng(9);
  for (int step = 0; step < 500; ++step) {
    for (auto& v : fleet) {
      const auto before = v.operational_state;
      const auto position = v.position;
      evolve(v, 1000ms, rng);
      if (v.operational_state != OperationalState::running) {
        CHECK(v.position.lat == position.lat);  // only a running vehicle moves
      }
      CHECK(std::round(v.position.lat * 1e6) / 1e6 == v.position.lat);  // micro-degrees, like a GNSS fix
      if (before == OperationalState::charging) {
        CHECK((v.operational_state == OperationalState::charging || v.operational_state == OperationalState::parked));
      }
      CHECK(v.connectivity.signal_dbm <= -50);
      CHECK(v.connectivity.signal_dbm >= -120);
      CHECK(v.diagnostics.size() <= 3);
    }
  }
}

TEST_CASE("parameter values: JSON scalars only, and the kind the firmware holds", "[unit][value]") {
  CHECK(scalar_from_json(parse(R"("HIGH")")) == Value(std::string("HIGH")));
  CHECK(scalar_from_json(parse("true")) == Value(true));
  CHECK(scalar_from_json(parse("4")) == Value(std::int64_t{4}));
  CHECK(scalar_from_json(parse("4.5")) == Value(4.5));
  CHECK_FALSE(scalar_from_json(parse("null")));
  CHECK_FALSE(scalar_from_json(parse("[1]")));
  CHECK_FALSE(scalar_from_json(parse(R"({"a":1})")));
  CHECK_FALSE(scalar_from_json(parse("18446744073709551615")));
  CHECK_FALSE(scalar_from_json(parse("\"" + std::string(257, 'x') + "\"")));

  CHECK(coerce_to_kind(Value(std::int64_t{2}), Value(std::int64_t{4})) == Value(std::int64_t{4}));
  CHECK(coerce_to_kind(Value(150.0), Value(std::int64_t{200})) == Value(200.0));
  CHECK_FALSE(coerce_to_kind(Value(std::int64_t{2}), Value(4.0)));
  CHECK_FALSE(coerce_to_kind(Value(false), Value(std::int64_t{1})));
  CHECK_FALSE(coerce_to_kind(Value(std::string("STANDARD")), Value(true)));
}

TEST_CASE("configuration bodies: command_id and 1..64 scalar parameters, the failing field named", "[unit][api]") {
  auto ok = parse_configuration(parse(R"({"command_id":"cmd-1","parameters":{"power_mode":"HIGH","climate_zones":4},
                                          "extra":"tolerated"})"));
  REQUIRE(std::holds_alternative<ConfigurationRequest>(ok));
  const auto& r = std::get<ConfigurationRequest>(ok);
  CHECK(r.command_id == "cmd-1");
  CHECK(r.parameters.size() == 2);
  CHECK(r.parameters.at("climate_zones") == Value(std::int64_t{4}));

  auto field_of = [](const std::string& body) {
    auto refused = parse_configuration(parse(body));
    REQUIRE(std::holds_alternative<FieldError>(refused));
    return std::get<FieldError>(refused).field;
  };
  CHECK(field_of("[]").empty());
  CHECK(field_of(R"({"parameters":{"a":1}})") == "command_id");
  CHECK(field_of(R"({"command_id":"has space","parameters":{"a":1}})") == "command_id");
  CHECK(field_of(R"({"command_id":")" + std::string(129, 'a') + R"(","parameters":{"a":1}})") == "command_id");
  CHECK(field_of(R"({"command_id":"c"})") == "parameters");
  CHECK(field_of(R"({"command_id":"c","parameters":{}})") == "parameters");
  CHECK(field_of(R"({"command_id":"c","parameters":[1]})") == "parameters");
  CHECK(field_of(R"({"command_id":"c","parameters":{"power_mode":null}})") == "parameters.power_mode");
  CHECK(field_of(R"({"command_id":"c","parameters":{"zones":{"a":1}}})") == "parameters.zones");
  std::string many = R"({"command_id":"c","parameters":{)";
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("\"p") + std::to_string(i) + "\":1";
  CHECK(field_of(many + "}}") == "parameters");
}

TEST_CASE("display messages: message_id, text, BCP 47 language, display_seconds", "[unit][api]") {
  auto ok = parse_display_message(
      parse(R"({"message_id":"m-1","text":"Servicio activado","language":"es-ES","display_seconds":15})"));
  REQUIRE(std::holds_alternative<DisplayMessageRequest>(ok));
  CHECK(std::get<DisplayMessageRequest>(ok).display_seconds == 15);
  auto field_of = [](const std::string& body) {
    auto r = parse_display_message(parse(body));
    REQUIRE(std::holds_alternative<FieldError>(r));
    return std::get<FieldError>(r).field;
  };
  CHECK(field_of(R"({"text":"t","language":"es","display_seconds":5})") == "message_id");
  CHECK(field_of(R"({"message_id":"m","text":"","language":"es","display_seconds":5})") == "text");
  CHECK(field_of(R"({"message_id":"m","text":"t","language":"e","display_seconds":5})") == "language");
  CHECK(field_of(R"({"message_id":"m","text":"t","language":"es_ES","display_seconds":5})") == "language");
  CHECK(field_of(R"({"message_id":"m","text":"t","language":"es","display_seconds":0})") == "display_seconds");
  CHECK(field_of(R"({"message_id":"m","text":"t","language":"es","display_seconds":2.5})") == "display_seconds");
  CHECK(field_of(R"({"message_id":"m","text":"t","language":"es"})") == "display_seconds");
}

TEST_CASE("execute: the firmware applies, rejects or fails, and reports the truth", "[unit][command]") {
  ScriptedRandom rng;
  VehicleFaults none;

  SECTION("applied: every parameter changes, a whole number becomes a decimal where the firmware has one") {
    Vehicle v = suv();
    auto e = execute(v, {{"power_mode", std::string("HIGH")}, {"max_charge_kw", std::int64_t{200}}}, none, rng);
    CHECK(e.result == CommandResult::applied);
    CHECK(e.error_code.empty());
    CHECK(v.parameters.at("power_mode") == Value(std::string("HIGH")));
    CHECK(v.parameters.at("max_charge_kw") == Value(200.0));
    CHECK(e.reported == Parameters{{"max_charge_kw", 200.0}, {"power_mode", std::string("HIGH")}});
    CHECK(e.applied == e.reported);
  }
  SECTION("a parameter the platform lacks, or a value of another kind: REJECTED, nothing changes") {
    Vehicle v = suv();
    v.parameters.erase("climate_zones");
    auto e = execute(v, {{"climate_zones", std::int64_t{4}}, {"power_mode", std::string("HIGH")}}, none, rng);
    CHECK(e.result == CommandResult::rejected);
    CHECK(e.error_code == "UNKNOWN_PARAMETER");
    CHECK(v.parameters.at("power_mode") == Value(std::string("STANDARD")));
    CHECK(e.reported == Parameters{{"power_mode", std::string("STANDARD")}});
    auto kind = execute(v, {{"snow_mode_available", true}}, none, rng);
    CHECK(kind.result == CommandResult::rejected);
    CHECK(kind.error_code == "INVALID_PARAMETER_VALUE");
    CHECK(v.parameters.at("snow_mode_available") == Value(std::int64_t{0}));
  }
  SECTION("firmware error first, then reject, then partial, in that draw order") {
    Vehicle v = suv();
    VehicleFaults f;
    f.firmware_error_probability = 0.5;
    f.firmware_error_code = "FW_E042";
    f.reject_probability = 0.5;
    f.partial_probability = 0.5;
    ScriptedRandom draws({0.1, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9});
    auto failed = execute(v, {{"power_mode", std::string("HIGH")}}, f, draws);
    CHECK(failed.result == CommandResult::failed);
    CHECK(failed.error_code == "FW_E042");
    auto rejected = execute(v, {{"power_mode", std::string("HIGH")}}, f, draws);
    CHECK(rejected.result == CommandResult::rejected);
    CHECK(rejected.error_code == "CONFIGURATION_REJECTED");
    CHECK(v.parameters.at("power_mode") == Value(std::string("STANDARD")));
    auto partial = execute(v, {{"climate_zones", std::int64_t{4}}, {"power_mode", std::string("HIGH")}}, f, draws);
    CHECK(partial.result == CommandResult::applied);
    CHECK(partial.partial);
    CHECK(partial.applied == Parameters{{"climate_zones", std::int64_t{4}}});
    CHECK(partial.reported == Parameters{{"climate_zones", std::int64_t{4}}, {"power_mode", std::string("STANDARD")}});
    auto full = execute(v, {{"power_mode", std::string("HIGH")}}, f, draws);
    CHECK(full.result == CommandResult::applied);
    CHECK_FALSE(full.partial);
    CHECK(v.parameters.at("power_mode") == Value(std::string("HIGH")));
  }
  SECTION("partial with one parameter: APPLIED yet nothing changed") {
    Vehicle v = suv();
    VehicleFaults f;
    f.partial_probability = 1.0;
    auto e = execute(v, {{"power_mode", std::string("HIGH")}}, f, rng);
    CHECK(e.result == CommandResult::applied);
    CHECK(e.partial);
    CHECK(e.applied.empty());
    CHECK(e.reported == Parameters{{"power_mode", std::string("STANDARD")}});
  }
}

TEST_CASE("a command: ACCEPTED at once, applied after the delay, executed once whatever the repeats",
          "[unit][command]") {
  VehicleNetwork net({suv()}, NetworkOptions{100ms, 5s, 3, 10, 10});
  FaultPlan plan;
  ScriptedRandom rng;
  std::vector<Ack> acks;
  const std::string vin = "VSSZZZ6JZ9R056308";
  auto [admission, c] =
      net.submit(vin, command("c-1", {{"power_mode", std::string("HIGH")}}), kT0, kS0, plan, rng, acks);
  CHECK(admission == Admission::created);
  REQUIRE(c != nullptr);
  CHECK(c->phase == CommandPhase::applying);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].result == CommandResult::accepted);
  CHECK_FALSE(acks[0].reported);
  CHECK(net.next_due() == kS0 + 100ms);
  acks.clear();

  CHECK(net.advance(kT0 + 50ms, kS0 + 50ms, plan, rng, acks).empty());
  CHECK(acks.empty());
  CHECK(net.find(vin)->parameters.at("power_mode") == Value(std::string("STANDARD")));
  CHECK(net.pending_commands(vin).size() == 1);

  CHECK(net.advance(kT0 + 100ms, kS0 + 100ms, plan, rng, acks).size() == 1);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].result == CommandResult::applied);
  CHECK(acks[0].reported == Parameters{{"power_mode", std::string("HIGH")}});
  CHECK(net.find(vin)->parameters.at("power_mode") == Value(std::string("HIGH")));
  CHECK(net.pending_commands(vin).empty());
  acks.clear();

  // The platform retries the same command: counted, never executed again.
  net.find(vin)->parameters["power_mode"] = std::string("STANDARD");
  auto again =
      net.submit(vin, command("c-1", {{"power_mode", std::string("HIGH")}}), kT0 + 1s, kS0 + 1s, plan, rng, acks);
  CHECK(again.first == Admission::repeated);
  CHECK(again.second->requests == 2);
  CHECK(acks.empty());
  CHECK(net.advance(kT0 + 2s, kS0 + 2s, plan, rng, acks).empty());
  CHECK(net.find(vin)->parameters.at("power_mode") == Value(std::string("STANDARD")));
  CHECK(net.commands().size() == 1);

  auto conflict = net.submit(vin, command("c-1", {{"power_mode", std::string("LOW")}}), kT0, kS0, plan, rng, acks);
  CHECK(conflict.first == Admission::conflict);
  net.submit(vin, command("c-2", {{"power_mode", std::string("LOW")}}), kT0, kS0, plan, rng, acks);
  net.submit(vin, command("c-3", {{"power_mode", std::string("LOW")}}), kT0, kS0, plan, rng, acks);
  CHECK(net.submit(vin, command("c-4", {{"power_mode", std::string("LOW")}}), kT0, kS0, plan, rng, acks).first ==
        Admission::full);
}

TEST_CASE("offline: commands held, delivered when the vehicle is back, FAILED VEHICLE_OFFLINE after the TTL",
          "[unit][command][offline]") {
  VehicleNetwork net({suv()}, NetworkOptions{100ms, 5s, 100, 10, 10});
  const std::string vin = "VSSZZZ6JZ9R056308";
  ScriptedRandom rng;
  std::vector<Ack> acks;
  auto offline = plan_from(R"({"vehicles":{"VSSZZZ6JZ9R056308":{"offline":true}}})", net.vehicles());
  CHECK(net.sync_connectivity(offline, kT0, kS0, acks) == 1);
  CHECK_FALSE(net.find(vin)->online);
  REQUIRE(net.find(vin)->offline_periods.size() == 1);
  CHECK(net.find(vin)->offline_periods[0].from == kT0);
  CHECK_FALSE(net.find(vin)->offline_periods[0].to);

  auto [a, held] =
      net.submit(vin, command("held-1", {{"power_mode", std::string("HIGH")}}), kT0 + 1s, kS0 + 1s, offline, rng, acks);
  CHECK(a == Admission::created);
  CHECK(held->phase == CommandPhase::held);
  CHECK(acks.empty());
  CHECK(net.advance(kT0 + 3s, kS0 + 3s, offline, rng, acks).empty());

  SECTION("back online within the TTL: ACCEPTED, then APPLIED") {
    FaultPlan online;
    CHECK(net.sync_connectivity(online, kT0 + 4s, kS0 + 4s, acks) == 1);
    CHECK(net.find(vin)->offline_periods[0].to == kT0 + 4s);
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].result == CommandResult::accepted);
    CHECK(net.advance(kT0 + 4s + 100ms, kS0 + 4s + 100ms, online, rng, acks).size() == 1);
    REQUIRE(acks.size() == 2);
    CHECK(acks[1].result == CommandResult::applied);
    CHECK(net.find(vin)->parameters.at("power_mode") == Value(std::string("HIGH")));
  }
  SECTION("still offline at the TTL: FAILED VEHICLE_OFFLINE, no ACCEPTED, nothing applied") {
    CHECK(net.advance(kT0 + 6s, kS0 + 6s, offline, rng, acks).size() == 1);
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].result == CommandResult::failed);
    CHECK(acks[0].error_code == "VEHICLE_OFFLINE");
    CHECK_FALSE(acks[0].reported);
    CHECK(net.find(vin)->parameters.at("power_mode") == Value(std::string("STANDARD")));
    FaultPlan online;
    acks.clear();
    net.sync_connectivity(online, kT0 + 7s, kS0 + 7s, acks);
    CHECK(acks.empty());  // an expired command is not delivered later
  }
}

TEST_CASE("offline flaps: a vehicle drops off with the probability and comes back by itself", "[unit][offline]") {
  VehicleNetwork net(fleet_of(3), NetworkOptions{100ms, 5s, 100, 10, 10});
  auto plan = plan_from(R"({"fleet":{"offline_flap_probability":0.5,"offline_flap_ms":1000}})");
  ScriptedRandom rng({0.9, 0.1, 0.9});  // only the second vehicle drops off
  std::vector<Ack> acks;
  CHECK(net.flap(plan, kT0, kS0, rng, acks) == 1);
  const auto& flapping = net.vehicles()[1];
  CHECK_FALSE(flapping.online);
  CHECK(net.vehicles()[0].online);
  ScriptedRandom never({0.9, 0.9, 0.9, 0.9, 0.9, 0.9});
  CHECK(net.flap(plan, kT0 + 500ms, kS0 + 500ms, never, acks) == 0);  // not over yet, and no draw for it
  CHECK(net.flap(plan, kT0 + 1s, kS0 + 1s, never, acks) == 1);
  CHECK(flapping.online);
  REQUIRE(flapping.offline_periods.size() == 1);
  CHECK(flapping.offline_periods[0].from == kT0);
  CHECK(flapping.offline_periods[0].to == kT0 + 1s);
  // The offline fault wins over a flap that is over.
  auto both = plan_from(R"({"vehicles":{")" + flapping.vin + R"(":{"offline":true}}})", net.vehicles());
  CHECK(net.flap(both, kT0 + 2s, kS0 + 2s, never, acks) == 1);
  CHECK_FALSE(flapping.online);
}

TEST_CASE("accepted, then offline before applying: held without a second ACCEPTED", "[unit][command][offline]") {
  VehicleNetwork net({suv()}, NetworkOptions{100ms, 5s, 100, 10, 10});
  const std::string vin = "VSSZZZ6JZ9R056308";
  ScriptedRandom rng;
  std::vector<Ack> acks;
  FaultPlan online;
  net.submit(vin, command("c", {{"power_mode", std::string("HIGH")}}), kT0, kS0, online, rng, acks);
  auto offline = plan_from(R"({"fleet":{"offline":true}})");
  net.sync_connectivity(offline, kT0 + 50ms, kS0 + 50ms, acks);
  net.advance(kT0 + 100ms, kS0 + 100ms, offline, rng, acks);
  CHECK(net.pending_commands(vin).at(0)->phase == CommandPhase::held);
  net.sync_connectivity(online, kT0 + 1s, kS0 + 1s, acks);
  net.advance(kT0 + 2s, kS0 + 2s, online, rng, acks);
  REQUIRE(acks.size() == 2);
  CHECK(acks[0].result == CommandResult::accepted);
  CHECK(acks[1].result == CommandResult::applied);
}

TEST_CASE("lost acknowledgements: applied, but no webhook of the command at all", "[unit][command]") {
  VehicleNetwork net({suv()}, NetworkOptions{0ms, 5s, 100, 10, 10});
  const std::string vin = "VSSZZZ6JZ9R056308";
  ScriptedRandom rng;
  std::vector<Ack> acks;
  auto lost = plan_from(R"({"fleet":{"lost_ack_probability":1.0,"ack_delay_ms":250}})");
  auto [a, c] = net.submit(vin, command("c", {{"power_mode", std::string("HIGH")}}), kT0, kS0, lost, rng, acks);
  CHECK(c->acks_lost);
  net.advance(kT0, kS0, lost, rng, acks);
  CHECK(acks.empty());
  CHECK(net.find(vin)->parameters.at("power_mode") == Value(std::string("HIGH")));
  CHECK(net.commands().at(c->seq).execution->result == CommandResult::applied);

  FaultPlan slow = plan_from(R"({"fleet":{"ack_delay_ms":250}})");
  net.submit(vin, command("d", {{"power_mode", std::string("LOW")}}), kT0, kS0, slow, rng, acks);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].delay == 250ms);
}

TEST_CASE("display messages are idempotent by message_id", "[unit][api]") {
  VehicleNetwork net({suv()}, NetworkOptions{0ms, 5s, 100, 2, 10});
  const std::string vin = "VSSZZZ6JZ9R056308";
  DisplayMessageRequest m{"m-1", "Servicio activado", "es", 10};
  CHECK(net.post_message(vin, m, kT0) == Admission::created);
  CHECK(net.post_message(vin, m, kT0 + 1s) == Admission::repeated);
  CHECK(net.messages().size() == 1);
  CHECK(net.messages()[0].requests == 2);
  auto other = m;
  other.text = "otro";
  CHECK(net.post_message(vin, other, kT0) == Admission::conflict);
  CHECK(net.post_message(vin, {"m-2", "x", "es", 1}, kT0) == Admission::created);
  CHECK(net.post_message(vin, {"m-3", "x", "es", 1}, kT0) == Admission::full);
}

TEST_CASE("fault plan: partial patches, vehicle entries over the fleet, refused whole", "[unit][faults]") {
  const auto fleet = fleet_of(3);
  const std::string vin = fleet[1].vin;
  auto known = [&](std::string_view v) {
    return std::any_of(fleet.begin(), fleet.end(), [&](const Vehicle& x) { return x.vin == v; });
  };
  FaultPlan plan;
  REQUIRE_FALSE(plan.apply_patch(parse(R"({"fleet":{"reject_probability":0.25},"vehicles":{")" + vin +
                                       R"(":{"offline":true,"firmware_error_code":"FW_E042"}}})"),
                                 known));
  CHECK(plan.for_vehicle(vin).offline);
  CHECK(plan.for_vehicle(vin).reject_probability == 0.25);
  CHECK(plan.for_vehicle(vin).firmware_error_code == "FW_E042");
  CHECK_FALSE(plan.for_vehicle(fleet[0].vin).offline);

  // The fleet changes later: a vehicle's entry follows it for what it does not name.
  REQUIRE_FALSE(plan.apply_patch(parse(R"({"fleet":{"reject_probability":0.5,"offline":false}})"), known));
  CHECK(plan.for_vehicle(vin).reject_probability == 0.5);
  CHECK(plan.for_vehicle(vin).offline);
  REQUIRE_FALSE(plan.apply_patch(parse(R"({"vehicles":{")" + vin + R"(":{"offline":false}}})"), known));
  CHECK(plan.for_vehicle(vin).firmware_error_code == "FW_E042");  // merged, not replaced
  CHECK_FALSE(plan.for_vehicle(vin).offline);

  const std::string before = plan.to_json();
  auto refused = [&](const std::string& patch, const std::string& field) {
    auto e = plan.apply_patch(parse(patch), known);
    REQUIRE(e);
    CHECK(e->field == field);
    CHECK(plan.to_json() == before);
  };
  refused(R"({"fleet":{"reject_probability":0.5},"api":{"error_probability":2}})", "api.error_probability");
  refused(R"({"fleet":{"rejection":1}})", "fleet.rejection");
  refused(R"({"vehicles":{"VSSZZZ6JZ9R000000":{"offline":true}}})", "vehicles.VSSZZZ6JZ9R000000");
  refused(R"({"fleet":{"firmware_error_code":"has space"}})", "fleet.firmware_error_code");
  refused(R"({"api":{"next_errors":[503,"late"]}})", "api.next_errors[1]");
  refused(R"({"nonsense":{}})", "nonsense");
  refused(R"({"telemetry":{"paused":1}})", "telemetry.paused");

  // Round trip: the plan's own JSON rebuilds the same plan.
  FaultPlan copy;
  REQUIRE_FALSE(copy.apply_patch(parse(before), known));
  CHECK(copy.to_json() == before);

  REQUIRE_FALSE(plan.apply_patch(parse(R"({"vehicles":{")" + vin + R"(":null}})"), known));
  CHECK(plan.overridden().empty());
  CHECK(plan.for_vehicle(vin).firmware_error_code == "FW_INTERNAL_ERROR");
}

TEST_CASE("API faults: the scripted queue first, then timeout, then error", "[unit][faults]") {
  ApiFaults f;
  f.next_errors = {503, sim::kTimeoutMarker, 429};
  f.latency = 20ms;
  ScriptedRandom rng;
  auto d = decide_api(f, rng);
  CHECK(d.kind == Injected::error);
  CHECK(d.status == 503);
  CHECK(d.latency == 20ms);
  CHECK(decide_api(f, rng).kind == Injected::timeout);
  CHECK(decide_api(f, rng).status == 429);
  CHECK(decide_api(f, rng).kind == Injected::none);
  f.timeout_probability = 0.5;
  f.error_probability = 0.5;
  ScriptedRandom draws({0.4, 0.6, 0.4, 0.99, 0.6, 0.6});
  CHECK(decide_api(f, draws).kind == Injected::timeout);
  auto e = decide_api(f, draws);
  CHECK(e.kind == Injected::error);
  CHECK(e.status == 504);
  CHECK(decide_api(f, draws).kind == Injected::none);
}

TEST_CASE("rate limit: a token bucket with Retry-After", "[unit][faults]") {
  TokenBucket bucket;
  CHECK_FALSE(bucket.take(0.0, 1.0, kS0));  // no limit
  CHECK_FALSE(bucket.take(2.0, 2.0, kS0));
  CHECK_FALSE(bucket.take(2.0, 2.0, kS0));
  auto wait = bucket.take(2.0, 2.0, kS0);
  REQUIRE(wait);
  CHECK(*wait == 500ms);
  CHECK(bucket.take(2.0, 2.0, kS0 + 250ms));
  CHECK_FALSE(bucket.take(2.0, 2.0, kS0 + 600ms));
}

TEST_CASE("telemetry: one reading per online vehicle per interval, seq increasing, the true state",
          "[unit][telemetry]") {
  auto fleet = fleet_of(4);
  TelemetryGenerator gen;
  FaultPlan plan;
  ScriptedRandom faults;
  SeededRandom motion(1);
  TelemetryCounts counts;
  fleet[2].online = false;
  auto first = gen.tick(fleet, kT0, 1s, plan, faults, motion, counts);
  REQUIRE(first.size() == 3);
  CHECK(counts.taken == 3);
  for (const auto& r : first) CHECK(r.seq == 1);
  fleet[0].parameters["power_mode"] = std::string("HIGH");
  auto second = gen.tick(fleet, kT0 + 1s, 1s, plan, faults, motion, counts);
  REQUIRE(second.size() == 3);
  CHECK(second[0].seq == 2);
  auto doc = parse(second[0].json);
  CHECK(str(doc["vin"]) == fleet[0].vin);
  CHECK(doc["seq"].GetUint64() == 2);
  CHECK(str(doc["time"]) == "2026-11-22T10:00:01.000Z");
  CHECK(str(doc["configuration"]["power_mode"]) == "HIGH");
  CHECK(str(doc["operational_state"]) == std::string(to_string(fleet[0].operational_state)));
  CHECK(doc["position"]["lat"].GetDouble() == fleet[0].position.lat);
  CHECK(doc["connectivity"]["signal_dbm"].GetInt() == fleet[0].connectivity.signal_dbm);
  CHECK(doc["diagnostics"].IsArray());
  CHECK_FALSE(doc.HasMember("received_at"));
  CHECK(gen.last_taken().at(fleet[0].vin).seq == 2);
  CHECK(fleet[2].next_seq == 1);  // offline: no reading, no seq used

  plan = plan_from(R"({"telemetry":{"paused":true}})");
  CHECK(gen.tick(fleet, kT0 + 2s, 1s, plan, faults, motion, counts).empty());
  CHECK(fleet[0].next_seq == 3);
}

TEST_CASE("telemetry faults: a gap loses a seq, a duplicate is sent twice, a reordered reading follows the next",
          "[unit][telemetry]") {
  auto fleet = fleet_of(1);
  TelemetryGenerator gen;
  SeededRandom motion(1);
  TelemetryCounts counts;
  auto seqs = [](const std::vector<OutgoingReading>& rs) {
    std::vector<std::uint64_t> out;
    for (const auto& r : rs) out.push_back(r.seq);
    return out;
  };
  auto plan = plan_from(R"({"fleet":{"telemetry_gap_probability":0.5,"duplicate_probability":0.5,
                                     "reorder_probability":0.5}})");
  // Draws per reading: gap, then (nothing held) reorder, then duplicate.
  ScriptedRandom draws({0.9, 0.9, 0.9,    // 1: sent
                        0.1,              // 2: lost
                        0.9, 0.1,         // 3: held back
                        0.9, 0.9,         // 4: sent, then 3 (reorder not drawn while one is released)
                        0.9, 0.9, 0.1});  // 5: duplicated
  std::vector<std::uint64_t> sent;
  for (int i = 0; i < 5; ++i) {
    auto out = seqs(gen.tick(fleet, kT0 + std::chrono::seconds(i), 1s, plan, draws, motion, counts));
    sent.insert(sent.end(), out.begin(), out.end());
  }
  CHECK(sent == std::vector<std::uint64_t>{1, 4, 3, 5, 5});
  CHECK(counts.taken == 5);
  CHECK(counts.lost == 1);
  CHECK(counts.reordered == 1);
  CHECK(counts.duplicated == 1);
}

TEST_CASE("batches: at most batch_size readings, in order, a valid body", "[unit][telemetry]") {
  std::vector<OutgoingReading> rs;
  for (std::uint64_t i = 1; i <= 5; ++i) rs.push_back({"VSSZZZ6JZ9R056308", i, R"({"seq":)" + std::to_string(i) + "}"});
  auto batches = make_batches(rs, 2);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].body == R"({"readings":[{"seq":1},{"seq":2}]})");
  CHECK(batches[2].readings == std::vector<std::pair<std::string, std::uint64_t>>{{"VSSZZZ6JZ9R056308", 5}});
  CHECK(parse(batches[1].body)["readings"].Size() == 2);
  CHECK(make_batches({}, 10).empty());
}

TEST_CASE("command-status body: DESIGN.md §2 field for field", "[unit][views]") {
  Ack applied{"VSSZZZ6JZ9R056308",
              "c-1",
              1,
              CommandResult::applied,
              "",
              Parameters{{"power_mode", std::string("HIGH")}},
              kT0,
              0ms};
  CHECK(command_status_body(applied) ==
        R"({"command_id":"c-1","vin":"VSSZZZ6JZ9R056308","time":"2026-11-22T10:00:00.000Z","result":"APPLIED",)"
        R"("error_code":null,"reported_parameters":{"power_mode":"HIGH"}})");
  Ack failed{"VSSZZZ6JZ9R056308", "c-1", 1, CommandResult::failed, "VEHICLE_OFFLINE", std::nullopt, kT0, 0ms};
  auto doc = parse(command_status_body(failed));
  CHECK(str(doc["error_code"]) == "VEHICLE_OFFLINE");
  CHECK(doc["reported_parameters"].IsNull());
}

TEST_CASE("status document: every state the OTA engine reads", "[unit][views]") {
  VehicleNetwork net({suv()}, NetworkOptions{100ms, 5s, 100, 10, 10});
  FaultPlan plan;
  ScriptedRandom rng;
  std::vector<Ack> acks;
  net.submit("VSSZZZ6JZ9R056308", command("c-9", {{"power_mode", std::string("HIGH")}}), kT0, kS0, plan, rng, acks);
  const auto& v = *net.find("VSSZZZ6JZ9R056308");
  auto doc = parse(status_json(v, net.pending_commands(v.vin), kT0 + 1s));
  CHECK(str(doc["vin"]) == v.vin);
  CHECK(str(doc["platform"]) == "SUV_ELECTRIC_2024");
  CHECK(str(doc["operational_state"]) == "PARKED");
  CHECK(str(doc["configuration"]["power_mode"]) == "STANDARD");
  CHECK(doc["connectivity"]["online"].GetBool());
  CHECK(str(doc["connectivity"]["last_seen"]) == "2026-11-22T10:00:00.000Z");
  REQUIRE(doc["pending_commands"].Size() == 1);
  CHECK(str(doc["pending_commands"][0]["command_id"]) == "c-9");
  CHECK(str(doc["pending_commands"][0]["state"]) == "APPLYING");
  CHECK(doc["position"].HasMember("lat"));
  CHECK(doc["diagnostics"].IsArray());
}

TEST_CASE("retry verdicts: transient failures retried with backoff, permanent ones given up", "[unit][outbox]") {
  RetryPolicy p;
  p.max_attempts = 4;
  p.base = 100ms;
  p.retry_after_cap = 1s;
  CHECK(judge(200, std::nullopt, 1, p).verdict == Verdict::delivered);
  CHECK(judge(204, std::nullopt, 1, p).verdict == Verdict::delivered);
  for (int s : {408, 409, 429, 500, 502, 503, 504}) CHECK(judge(s, std::nullopt, 1, p).verdict == Verdict::retry);
  CHECK(judge(std::nullopt, std::nullopt, 1, p).verdict == Verdict::retry);
  for (int s : {400, 401, 404, 413, 415}) CHECK(judge(s, std::nullopt, 1, p).verdict == Verdict::give_up);
  CHECK(judge(503, std::nullopt, 1, p).delay == 100ms);
  CHECK(judge(503, std::nullopt, 3, p).delay == 400ms);
  CHECK(judge(503, std::nullopt, 4, p).verdict == Verdict::give_up);
  CHECK(judge(429, 700ms, 1, p).delay == 700ms);
  CHECK(judge(429, 10s, 1, p).delay == 1s);
}

TEST_CASE("webhook ids: stable for a body, distinct for another", "[unit][outbox]") {
  const auto a = webhook_id_for(R"({"readings":[1]})");
  CHECK(a == webhook_id_for(R"({"readings":[1]})"));
  CHECK(a != webhook_id_for(R"({"readings":[2]})"));
  CHECK(a.size() == 36);
  CHECK(a.substr(0, 4) == "msg_");
  CHECK(valid_identifier(a));
}

TEST_CASE("webhook queue: per-key order, one in flight per key, retries first, bounded", "[unit][outbox]") {
  WebhookQueue q(3);
  auto hook = [](std::string key, std::string id, SteadyTime ready) {
    Webhook w;
    w.key = std::move(key);
    w.webhook_id = std::move(id);
    w.ready_at = ready;
    return w;
  };
  CHECK(q.push(hook("A", "a1", kS0)));
  CHECK(q.push(hook("A", "a2", kS0)));
  CHECK(q.push(hook("B", "b1", kS0 + 10ms)));
  CHECK_FALSE(q.push(hook("C", "c1", kS0)));
  auto a1 = q.take(kS0);
  REQUIRE(a1);
  CHECK(a1->webhook_id == "a1");
  CHECK_FALSE(q.take(kS0));  // A in flight, B not ready
  CHECK(q.next_ready() == kS0 + 10ms);
  auto b1 = q.take(kS0 + 10ms);
  REQUIRE(b1);
  CHECK(b1->webhook_id == "b1");
  q.retry(std::move(*a1), kS0 + 50ms);
  CHECK_FALSE(q.take(kS0 + 20ms));  // a1 waits for its retry, a2 behind it
  auto again = q.take(kS0 + 50ms);
  REQUIRE(again);
  CHECK(again->webhook_id == "a1");
  q.complete("A");
  CHECK(q.take(kS0 + 50ms)->webhook_id == "a2");
  CHECK(q.in_flight() == 2);
  CHECK(q.waiting() == 0);
}
