// Component tests: the simulator in process on an ephemeral port, driven over
// real HTTP with caas::http::HttpClient; its webhooks land on a receiver that
// verifies every Standard Webhooks signature and checks every body with the
// webhook-ingress's own field rules and schemas. 5 vehicles, telemetry every
// 50 ms in batches of 4, commands applied 30 ms after ACCEPTED, retry base 20 ms.
#include "harness.hpp"

#include <caas/events/time.hpp>

#include <map>
#include <set>

using namespace caas;
using namespace caas::iot_sim;
using namespace caas::iot_sim::test;

namespace {

std::string vehicle_patch(const std::string& vin, const std::string& faults) {
  return R"({"vehicles":{")" + vin + R"(":)" + faults + "}}";
}

}  // namespace

TEST_CASE("Bearer token: 401 without or with a wrong one on every route, every listed token is accepted",
          "[component][auth]") {
  Harness h;
  const auto& vin = h.vins[0];
  for (const std::string token : {"", "wrong-token"}) {
    for (auto [method, path, body] :
         {std::tuple{"POST", "/configuration", R"({"command_id":"c","parameters":{"power_mode":"HIGH"}})"},
          std::tuple{"GET", "/status", ""},
          std::tuple{"POST", "/display-messages",
                     R"({"message_id":"m","text":"t","language":"es","display_seconds":5})"}}) {
      auto r = h.api(method, "/api/v1/vehicles/" + vin + path, body, token);
      REQUIRE(r);
      CHECK(r->status == 401);
      CHECK(str(parse(r->body)["error"]) == "unauthorized");
      CHECK(r->headers.get("WWW-Authenticate") == "Bearer");
    }
  }
  auto second = h.api("GET", "/api/v1/vehicles/" + vin + "/status", "", "second-token");
  REQUIRE(second);
  CHECK(second->status == 200);
  auto stats = h.stats();
  CHECK(stats["configuration_requests"]["unauthorized"].GetUint64() == 2);
  CHECK(stats["status_queries"]["unauthorized"].GetUint64() == 2);
  CHECK(stats["commands"]["received"].GetUint64() == 0);
}

TEST_CASE("a configuration: 202, then signed ACCEPTED and APPLIED webhooks, status and telemetry show it",
          "[component][command]") {
  Harness h;
  const auto& vin = h.vins[1];
  auto accepted = h.configure_ok(vin, "cmd-1", R"({"power_mode":"HIGH","snow_mode_available":1})");
  CHECK(str(accepted["command_id"]) == "cmd-1");
  CHECK(str(accepted["vin"]) == vin);
  CHECK(str(accepted["status"]) == "ACCEPTED");
  CHECK_FALSE(accepted.HasMember("duplicate"));

  REQUIRE(h.wait_statuses("cmd-1", 2));
  auto statuses = h.receiver.statuses_of("cmd-1");
  REQUIRE(statuses.size() == 2);
  CHECK(results_of(statuses) == std::vector<std::string>{"ACCEPTED", "APPLIED"});
  CHECK(statuses[0]["error_code"].IsNull());
  CHECK(statuses[0]["reported_parameters"].IsNull());
  CHECK(str(statuses[1]["vin"]) == vin);
  CHECK(statuses[1]["error_code"].IsNull());
  CHECK(str(statuses[1]["reported_parameters"]["power_mode"]) == "HIGH");
  CHECK(statuses[1]["reported_parameters"]["snow_mode_available"].GetInt() == 1);
  CHECK(statuses[1]["reported_parameters"].MemberCount() == 2);
  CHECK(events::parse_rfc3339(str(statuses[1]["time"])));
  auto deliveries = h.receiver.deliveries(kCommandStatusPath);
  REQUIRE(deliveries.size() == 2);
  CHECK(deliveries[0].webhook_id != deliveries[1].webhook_id);
  CHECK(h.receiver.refusals().empty());

  auto status = h.status(vin);
  CHECK(str(status["configuration"]["power_mode"]) == "HIGH");
  CHECK(status["configuration"]["snow_mode_available"].GetInt() == 1);
  CHECK(status["pending_commands"].Empty());
  CHECK(status["connectivity"]["online"].GetBool());

  // The next readings of that vehicle carry the new configuration.
  REQUIRE(h.receiver.wait_for([&] {
    for (const auto& r : h.receiver.readings()) {
      if (str(r["vin"]) == vin && str(r["configuration"]["power_mode"]) == "HIGH") return true;
    }
    return false;
  }));

  auto record = h.command_record(vin, "cmd-1");
  CHECK(str(record["result"]) == "APPLIED");
  CHECK(str(record["phase"]) == "DONE");
  CHECK(record["acks"].Size() == 2);
  REQUIRE(caas::testing::eventually(
      [&] {
        auto c = h.command_record(vin, "cmd-1");
        return str(c["acks"][0]["outcome"]) == "delivered" && str(c["acks"][1]["outcome"]) == "delivered";
      },
      5s));
}

TEST_CASE("the same command_id again: 202 again, counted, never applied twice, other parameters: 409",
          "[component][command][idempotency]") {
  Harness h;
  const auto& vin = h.vins[0];
  h.configure_ok(vin, "cmd-once", R"({"climate_zones":4})");
  REQUIRE(h.wait_statuses("cmd-once", 2));
  for (int i = 0; i < 3; ++i) {
    auto again = h.configure_ok(vin, "cmd-once", R"({"climate_zones":4})");
    CHECK(again["duplicate"].GetBool());
    CHECK(str(again["status"]) == "ACCEPTED");
  }
  auto conflict = h.configure(vin, "cmd-once", R"({"climate_zones":2})");
  REQUIRE(conflict);
  CHECK(conflict->status == 409);
  CHECK(str(parse(conflict->body)["error"]) == "command_id_reused");

  // The same id for another vehicle is another command.
  const auto& other = h.vins[2];
  h.configure_ok(other, "cmd-once", R"({"power_mode":"HIGH"})");
  REQUIRE(h.receiver.wait_for([&] { return h.receiver.statuses_of("cmd-once").size() >= 4; }));

  auto record = h.command_record(vin, "cmd-once");
  CHECK(record["requests"].GetUint64() == 4);
  CHECK(record["repeated_requests"].GetUint64() == 3);
  auto stats = h.stats();
  CHECK(stats["commands"]["received"].GetUint64() == 2);
  CHECK(stats["commands"]["repeated_requests"].GetUint64() == 3);
  CHECK(stats["commands"]["applied"].GetUint64() == 2);
  CHECK(stats["configuration_requests"]["repeated"].GetUint64() == 3);
  CHECK(stats["configuration_requests"]["conflict"].GetUint64() == 1);
  std::size_t statuses_for_vin = 0;
  for (const auto& s : h.receiver.statuses_of("cmd-once")) statuses_for_vin += str(s["vin"]) == vin ? 1 : 0;
  CHECK(statuses_for_vin == 2);  // one ACCEPTED, one APPLIED: the repeats sent nothing
}

TEST_CASE("bad requests: 404 unknown VIN, 400 naming the field, 415, nothing recorded", "[component][validation]") {
  Harness h;
  const auto& vin = h.vins[0];
  auto unknown = h.configure("VSSZZZ6JZ9R000000", "c", R"({"power_mode":"HIGH"})");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(str(parse(unknown->body)["error"]) == "vehicle_not_found");
  auto unknown_status = h.api("GET", "/api/v1/vehicles/VSSZZZ6JZ9R000000/status");
  REQUIRE(unknown_status);
  CHECK(unknown_status->status == 404);

  for (auto [body, field] :
       {std::pair{R"({"parameters":{"a":1}})", "command_id"},
        std::pair{R"({"command_id":"c","parameters":{}})", "parameters"},
        std::pair{R"({"command_id":"c","parameters":{"power_mode":[1]}})", "parameters.power_mode"}}) {
    auto r = h.api("POST", "/api/v1/vehicles/" + vin + "/configuration", body);
    REQUIRE(r);
    CHECK(r->status == 400);
    auto doc = parse(r->body);
    CHECK(str(doc["error"]) == "invalid_request");
    CHECK(str(doc["field"]) == field);
  }
  for (const std::string body : {"{", R"({"a":1,"a":2})"}) {
    auto r = h.api("POST", "/api/v1/vehicles/" + vin + "/configuration", body);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(str(parse(r->body)["error"]) == "invalid_json");
  }
  http::ClientRequest text{"POST",
                           h.base + "/api/v1/vehicles/" + vin + "/configuration",
                           {},
                           R"({"command_id":"c","parameters":{"power_mode":"HIGH"}})"};
  text.headers.set("Authorization", std::string("Bearer ") + kToken);
  text.headers.set("Content-Type", "text/plain");
  auto r = h.client.request(text);
  REQUIRE(r);
  CHECK(r->status == 415);
  CHECK(h.stats()["commands"]["received"].GetUint64() == 0);
  CHECK(h.control("GET", "/control/commands")["commands"].Empty());
}

TEST_CASE("vehicle faults: rejected, partial application, firmware error, unknown parameter",
          "[component][command][faults]") {
  Harness h;
  const auto& rejecting = h.vins[0];
  const auto& partial = h.vins[1];
  const auto& broken = h.vins[2];
  h.set_faults(R"({"vehicles":{")" + rejecting + R"(":{"reject_probability":1.0},")" + partial +
               R"(":{"partial_probability":1.0},")" + broken +
               R"(":{"firmware_error_probability":1.0,"firmware_error_code":"FW_E042"}}})");
  const std::string params = R"({"power_mode":"HIGH","snow_mode_available":1})";
  h.configure_ok(rejecting, "rej", params);
  h.configure_ok(partial, "part", params);
  h.configure_ok(broken, "fw", params);
  h.configure_ok(h.vins[3], "unknown", R"({"warp_drive":true})");
  for (const auto* id : {"rej", "part", "fw", "unknown"}) REQUIRE(h.wait_statuses(id, 2));

  const auto rej_statuses = h.receiver.statuses_of("rej");
  const auto& rej = rej_statuses[1];
  CHECK(str(rej["result"]) == "REJECTED");
  CHECK(str(rej["error_code"]) == "CONFIGURATION_REJECTED");
  CHECK(str(rej["reported_parameters"]["power_mode"]) == "STANDARD");
  CHECK(str(h.status(rejecting)["configuration"]["power_mode"]) == "STANDARD");

  // Partial: APPLIED, but the reported values show that only the first
  // parameter (name order: power_mode) changed.
  const auto part_statuses = h.receiver.statuses_of("part");
  const auto& part = part_statuses[1];
  CHECK(str(part["result"]) == "APPLIED");
  CHECK(part["error_code"].IsNull());
  CHECK(str(part["reported_parameters"]["power_mode"]) == "HIGH");
  CHECK(part["reported_parameters"]["snow_mode_available"].GetInt() == 0);
  auto status = h.status(partial);
  CHECK(str(status["configuration"]["power_mode"]) == "HIGH");
  CHECK(status["configuration"]["snow_mode_available"].GetInt() == 0);
  CHECK(h.command_record(partial, "part")["partial"].GetBool());

  const auto fw_statuses = h.receiver.statuses_of("fw");
  const auto& fw = fw_statuses[1];
  CHECK(str(fw["result"]) == "FAILED");
  CHECK(str(fw["error_code"]) == "FW_E042");
  CHECK(str(h.status(broken)["configuration"]["power_mode"]) == "STANDARD");

  const auto unknown_statuses = h.receiver.statuses_of("unknown");
  const auto& unknown = unknown_statuses[1];
  CHECK(str(unknown["result"]) == "REJECTED");
  CHECK(str(unknown["error_code"]) == "UNKNOWN_PARAMETER");
  CHECK(unknown["reported_parameters"].ObjectEmpty());

  auto stats = h.stats();
  CHECK(stats["commands"]["rejected"].GetUint64() == 2);
  CHECK(stats["commands"]["applied"].GetUint64() == 1);
  CHECK(stats["commands"]["partial"].GetUint64() == 1);
  CHECK(stats["commands"]["failed"].GetUint64() == 1);
  CHECK(h.receiver.refusals().empty());
}

TEST_CASE("webhooks are retried on 5xx and timeouts with the same webhook-id and body, in order",
          "[component][webhooks]") {
  Harness h;
  const auto& vin = h.vins[0];
  h.receiver.answer_next(kCommandStatusPath, {503, 500});
  h.configure_ok(vin, "retry-me", R"({"power_mode":"HIGH"})");
  REQUIRE(h.wait_statuses("retry-me", 2));
  auto deliveries = h.receiver.deliveries(kCommandStatusPath);
  REQUIRE(deliveries.size() == 4);
  CHECK(deliveries[0].answered == 503);
  CHECK(deliveries[1].answered == 500);
  CHECK(deliveries[2].answered == 200);
  CHECK(deliveries[0].webhook_id == deliveries[2].webhook_id);
  CHECK(deliveries[0].body == deliveries[2].body);
  CHECK(deliveries[1].webhook_id == deliveries[2].webhook_id);
  // APPLIED waited behind the retried ACCEPTED.
  CHECK(results_of(h.receiver.statuses_of("retry-me")) == std::vector<std::string>{"ACCEPTED", "APPLIED"});
  REQUIRE(caas::testing::eventually(
      [&] { return h.command_record(vin, "retry-me")["acks"][0]["attempts"].GetInt() == 3; }, 5s));

  h.receiver.answer_next(kTelemetryPath, {502});
  const auto before = h.receiver.deliveries(kTelemetryPath).size();
  REQUIRE(h.receiver.wait_for([&] { return h.receiver.deliveries(kTelemetryPath).size() >= before + 2; }));
  auto telemetry = h.receiver.deliveries(kTelemetryPath);
  const auto failed = std::find_if(telemetry.begin() + static_cast<std::ptrdiff_t>(before), telemetry.end(),
                                   [](const auto& d) { return d.answered == 502; });
  REQUIRE(failed != telemetry.end());
  REQUIRE(failed + 1 != telemetry.end());
  CHECK((failed + 1)->webhook_id == failed->webhook_id);
  CHECK((failed + 1)->body == failed->body);
  auto stats = h.stats();
  CHECK(stats["command_status_webhooks"]["retries"].GetUint64() >= 2);
  CHECK(stats["command_status_webhooks"]["responses"]["503"].GetUint64() == 1);
  CHECK(stats["telemetry_webhooks"]["responses"]["502"].GetUint64() == 1);
  CHECK(h.receiver.refusals().empty());
}

TEST_CASE("a permanent refusal (400) is given up at once, attempts are bounded", "[component][webhooks]") {
  Harness h([](SimulatorConfig& c) {
    c.retry.max_attempts = 3;
    c.telemetry_url.clear();
  });
  const auto& vin = h.vins[0];
  h.receiver.answer_next(kCommandStatusPath, {400, 503, 503, 503});
  h.configure_ok(vin, "given-up", R"({"power_mode":"HIGH"})");
  REQUIRE(caas::testing::eventually(
      [&] {
        auto c = h.command_record(vin, "given-up");
        return c["acks"].Size() == 2 && str(c["acks"][0]["outcome"]) == "failed" &&
               str(c["acks"][1]["outcome"]) == "failed";
      },
      5s));
  auto c = h.command_record(vin, "given-up");
  CHECK(c["acks"][0]["attempts"].GetInt() == 1);
  CHECK(c["acks"][1]["attempts"].GetInt() == 3);
  CHECK(h.receiver.deliveries(kCommandStatusPath).size() == 4);
  CHECK(h.stats()["command_status_webhooks"]["failed"].GetUint64() == 2);
}

TEST_CASE("lost acknowledgement: applied, no webhook ever, only GET status tells", "[component][command][faults]") {
  Harness h;
  const auto& vin = h.vins[3];
  h.set_faults(vehicle_patch(vin, R"({"lost_ack_probability":1.0})"));
  h.configure_ok(vin, "lost", R"({"power_mode":"HIGH"})");
  REQUIRE(caas::testing::eventually([&] { return str(h.command_record(vin, "lost")["phase"]) == "DONE"; }, 5s));
  CHECK(str(h.status(vin)["configuration"]["power_mode"]) == "HIGH");
  auto record = h.command_record(vin, "lost");
  CHECK(record["acks_lost"].GetBool());
  CHECK(str(record["result"]) == "APPLIED");
  CHECK(record["acks"].Empty());
  // A later command of another vehicle is acknowledged: the sender was not
  // just slow, the lost ones were never queued.
  h.configure_ok(h.vins[0], "control", R"({"power_mode":"HIGH"})");
  REQUIRE(h.wait_statuses("control", 2));
  CHECK(h.receiver.statuses_of("lost").empty());
  CHECK(h.stats()["commands"]["acks_lost"].GetUint64() == 1);
}

TEST_CASE("offline: no telemetry, commands held, back online they are delivered, past the TTL FAILED VEHICLE_OFFLINE",
          "[component][offline]") {
  Harness h([](SimulatorConfig& c) { c.network.command_ttl = 400ms; });
  const auto& vin = h.vins[2];
  h.set_faults(vehicle_patch(vin, R"({"offline":true})"));
  auto held = h.configure_ok(vin, "held-expires", R"({"power_mode":"HIGH"})");
  CHECK(str(held["status"]) == "HELD");
  auto status = h.status(vin);
  CHECK_FALSE(status["connectivity"]["online"].GetBool());
  REQUIRE(status["pending_commands"].Size() == 1);
  CHECK(str(status["pending_commands"][0]["state"]) == "HELD");

  REQUIRE(h.wait_statuses("held-expires", 1));
  auto expired = h.receiver.statuses_of("held-expires");
  REQUIRE(expired.size() == 1);  // no ACCEPTED: the vehicle never got it
  CHECK(str(expired[0]["result"]) == "FAILED");
  CHECK(str(expired[0]["error_code"]) == "VEHICLE_OFFLINE");
  CHECK(expired[0]["reported_parameters"].IsNull());
  CHECK(str(h.status(vin)["configuration"]["power_mode"]) == "STANDARD");

  // While it is offline, no reading of it arrives.
  const auto seq_before = h.control("GET", "/control/vehicles/" + vin)["telemetry"]["next_seq"].GetUint64();
  h.configure_ok(vin, "held-delivered", R"({"power_mode":"HIGH"})");
  const auto others = h.receiver.readings().size();
  REQUIRE(h.receiver.wait_for([&] { return h.receiver.readings().size() >= others + 8; }));
  CHECK(h.control("GET", "/control/vehicles/" + vin)["telemetry"]["next_seq"].GetUint64() == seq_before);
  CHECK(h.receiver.statuses_of("held-delivered").empty());

  h.set_faults(vehicle_patch(vin, R"({"offline":false})"));
  REQUIRE(h.wait_statuses("held-delivered", 2));
  CHECK(results_of(h.receiver.statuses_of("held-delivered")) == std::vector<std::string>{"ACCEPTED", "APPLIED"});
  CHECK(str(h.status(vin)["configuration"]["power_mode"]) == "HIGH");

  auto periods = h.control("GET", "/control/offline-periods");
  REQUIRE(periods["vehicles"].Size() == 1);
  const auto& p = periods["vehicles"][0];
  CHECK(str(p["vin"]) == vin);
  CHECK(p["online"].GetBool());
  REQUIRE(p["periods"].Size() == 1);
  auto from = events::parse_rfc3339(str(p["periods"][0]["from"]));
  auto to = events::parse_rfc3339(str(p["periods"][0]["to"]));
  REQUIRE(from);
  REQUIRE(to);
  CHECK(*to > *from);
  auto stats = h.stats();
  CHECK(stats["commands"]["held"].GetUint64() == 2);
  CHECK(stats["commands"]["expired"].GetUint64() == 1);
  REQUIRE(h.receiver.wait_for([&] {
    for (const auto& r : h.receiver.readings()) {
      if (str(r["vin"]) == vin && r["seq"].GetUint64() == seq_before) return true;
    }
    return false;
  }));
}

TEST_CASE("fleet-wide offline and back: every vehicle has its period", "[component][offline]") {
  Harness h;
  h.set_faults(R"({"fleet":{"offline":true}})");
  CHECK(h.stats()["vehicles_online"].GetUint64() == 0);
  h.set_faults(R"({"fleet":{"offline":false}})");
  auto periods = h.control("GET", "/control/offline-periods");
  CHECK(periods["vehicles"].Size() == h.vins.size());
  for (const auto& v : periods["vehicles"].GetArray()) CHECK_FALSE(v["periods"][0]["to"].IsNull());
}

TEST_CASE("offline flaps: vehicles drop off and come back by themselves, each period recorded",
          "[component][offline]") {
  Harness h;
  const auto& vin = h.vins[0];
  h.set_faults(vehicle_patch(vin, R"({"offline_flap_probability":1.0,"offline_flap_ms":100})"));
  REQUIRE(caas::testing::eventually(
      [&] {
        auto p = h.control("GET", "/control/offline-periods?vin=" + vin);
        return p["vehicles"][0]["periods"].Size() >= 2 && !p["vehicles"][0]["periods"][0]["to"].IsNull();
      },
      10s));
  h.set_faults(vehicle_patch(vin, "null"));
  REQUIRE(caas::testing::eventually([&] { return h.status(vin)["connectivity"]["online"].GetBool(); }, 5s));
  auto periods = h.control("GET", "/control/offline-periods");
  REQUIRE(periods["vehicles"].Size() == 1);  // only that vehicle flapped
  for (const auto& p : periods["vehicles"][0]["periods"].GetArray()) {
    REQUIRE_FALSE(p["to"].IsNull());
    const auto length = *events::parse_rfc3339(str(p["to"])) - *events::parse_rfc3339(str(p["from"]));
    CHECK(length >= 100ms);
  }
}

TEST_CASE("telemetry: signed batches of at most batch_size readings, seq increasing per vehicle, all delivered",
          "[component][telemetry]") {
  Harness h;
  REQUIRE(h.receiver.wait_for([&] { return h.receiver.readings().size() >= 40; }));
  h.control("POST", "/control/telemetry/pause");
  std::map<std::string, std::uint64_t> last;
  for (const auto& d : h.receiver.deliveries(kTelemetryPath)) {
    auto doc = parse(d.body);
    CHECK(doc["readings"].Size() <= 4);
    CHECK(d.webhook_id.substr(0, 4) == "msg_");
  }
  for (const auto& r : h.receiver.readings()) {
    const auto vin = str(r["vin"]);
    const auto seq = r["seq"].GetUint64();
    CHECK(seq == last[vin] + 1);  // no fault: every seq, in order
    last[vin] = seq;
  }
  CHECK(last.size() == h.vins.size());
  CHECK(h.receiver.refusals().empty());
  // Paused: nothing new is taken, and once the queue is empty every reading
  // taken has been delivered.
  REQUIRE(h.wait_telemetry_drained());
  auto fleet = h.control("GET", "/control/vehicles");
  std::map<std::string, std::uint64_t> received;
  for (const auto& r : h.receiver.readings()) received[str(r["vin"])] = r["seq"].GetUint64();
  for (const auto& v : fleet["vehicles"].GetArray()) {
    const auto vin = str(v["vin"]);
    CHECK(v["telemetry"]["delivered_seq"].GetUint64() == received[vin]);
    CHECK(v["telemetry"]["last_taken_seq"].GetUint64() == received[vin]);
    // The last reading is the vehicle's true state, field for field.
    const auto& reading = v["telemetry"]["last_reading"];
    CHECK(str(reading["operational_state"]) == str(v["operational_state"]));
    CHECK(reading["position"] == v["position"]);
    CHECK(reading["configuration"] == v["configuration"]);
    CHECK(reading["diagnostics"] == v["diagnostics"]);
    CHECK(reading["connectivity"]["signal_dbm"] == v["connectivity"]["signal_dbm"]);
  }
  const auto count = h.receiver.readings().size();
  CHECK_FALSE(h.receiver.wait_for([&] { return h.receiver.readings().size() > count; }, 300ms));
  h.control("POST", "/control/telemetry/resume");
  REQUIRE(h.receiver.wait_for([&] { return h.receiver.readings().size() > count; }));
}

TEST_CASE("telemetry faults: duplicated, out-of-order and lost readings, as drawn and counted",
          "[component][telemetry][faults]") {
  Harness h;
  h.set_faults(R"({"fleet":{"duplicate_probability":0.2,"reorder_probability":0.2,"telemetry_gap_probability":0.1}})");
  REQUIRE(h.receiver.wait_for([&] { return h.receiver.readings().size() >= 150; }, 20s));
  h.control("POST", "/control/telemetry/pause");
  REQUIRE(h.wait_telemetry_drained());
  std::map<std::string, std::uint64_t> highest;
  std::map<std::string, std::multiset<std::uint64_t>> seen;
  std::size_t out_of_order = 0;
  for (const auto& r : h.receiver.readings()) {
    const auto vin = str(r["vin"]);
    const auto seq = r["seq"].GetUint64();
    if (seq < highest[vin]) ++out_of_order;
    highest[vin] = std::max(highest[vin], seq);
    seen[vin].insert(seq);
  }
  std::size_t duplicates = 0;
  std::size_t missing = 0;
  for (const auto& [vin, seqs] : seen) {
    for (std::uint64_t s = 1; s <= highest[vin]; ++s) {
      const auto n = seqs.count(s);
      if (n == 0) ++missing;
      if (n > 1) duplicates += n - 1;
    }
  }
  auto stats = h.stats();
  const auto& t = stats["telemetry"];
  CHECK(duplicates == t["readings_duplicated"].GetUint64());
  CHECK(out_of_order > 0);
  CHECK(t["readings_reordered"].GetUint64() > 0);
  CHECK(t["readings_lost"].GetUint64() > 0);
  // Up to the last seq each vehicle took, a seq is missing when it was lost,
  // or when it is still held back (at most one per vehicle) by the pause.
  std::size_t missing_taken = 0;
  const auto fleet = h.control("GET", "/control/vehicles");
  for (const auto& v : fleet["vehicles"].GetArray()) {
    const auto& seqs = seen[str(v["vin"])];
    for (std::uint64_t s = 1; s <= v["telemetry"]["last_taken_seq"].GetUint64(); ++s) {
      missing_taken += seqs.count(s) == 0 ? 1 : 0;
    }
  }
  CHECK(missing_taken >= t["readings_lost"].GetUint64());
  CHECK(missing_taken <= t["readings_lost"].GetUint64() + h.vins.size());
  CHECK(missing <= missing_taken);
  CHECK(h.receiver.refusals().empty());
}

TEST_CASE("API faults: 429 with Retry-After, scripted 5xx and timeouts never reach the vehicle",
          "[component][faults]") {
  Harness h;
  const auto& vin = h.vins[0];
  h.set_faults(R"({"api":{"rate_limit_rps":1,"rate_limit_burst":2}})");
  int limited = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = h.api("GET", "/api/v1/vehicles/" + vin + "/status");
    REQUIRE(r);
    if (r->status == 429) {
      ++limited;
      CHECK(str(parse(r->body)["error"]) == "rate_limited");
      CHECK(r->headers.get("Retry-After") == "1");
    }
  }
  CHECK(limited >= 1);
  h.set_faults(R"({"api":{"rate_limit_rps":0,"next_errors":[503,"timeout",502]}})");
  auto unavailable = h.configure(vin, "net-1", R"({"power_mode":"HIGH"})");
  REQUIRE(unavailable);
  CHECK(unavailable->status == 503);
  CHECK(unavailable->headers.get("Retry-After"));
  auto timed_out = h.api("POST", "/api/v1/vehicles/" + vin + "/configuration",
                         R"({"command_id":"net-2","parameters":{"power_mode":"HIGH"}})", kToken, 300ms);
  CHECK_FALSE(timed_out);
  auto bad_gateway = h.configure(vin, "net-3", R"({"power_mode":"HIGH"})");
  REQUIRE(bad_gateway);
  CHECK(bad_gateway->status == 502);
  CHECK(h.control("GET", "/control/commands")["commands"].Empty());
  CHECK(str(h.status(vin)["configuration"]["power_mode"]) == "STANDARD");
  // The retry after the interruption goes through and is applied once.
  h.configure_ok(vin, "net-2", R"({"power_mode":"HIGH"})");
  REQUIRE(h.wait_statuses("net-2", 2));
  auto stats = h.stats();
  CHECK(stats["status_queries"]["rate_limited"].GetUint64() == static_cast<std::uint64_t>(limited));
  CHECK(stats["configuration_requests"]["injected_error"].GetUint64() == 2);
  CHECK(stats["configuration_requests"]["injected_timeout"].GetUint64() == 1);
}

TEST_CASE("slow acknowledgements: the command-status webhooks leave ack_delay later", "[component][faults]") {
  Harness h;
  const auto& vin = h.vins[4];
  h.set_faults(vehicle_patch(vin, R"({"ack_delay_ms":400})"));
  const auto sent = std::chrono::steady_clock::now();
  h.configure_ok(vin, "slow", R"({"power_mode":"HIGH"})");
  REQUIRE(h.wait_statuses("slow", 1));
  CHECK(std::chrono::steady_clock::now() - sent >= 400ms);
  // Applied already: only the acknowledgement is slow.
  CHECK(str(h.status(vin)["configuration"]["power_mode"]) == "HIGH");
  REQUIRE(h.wait_statuses("slow", 2));
}

TEST_CASE("display messages: 202, idempotent by message_id, recorded for read-out", "[component][display]") {
  Harness h;
  const auto& vin = h.vins[1];
  const std::string body =
      R"({"message_id":"msg-1","text":"Modo nieve activado","language":"es","display_seconds":10})";
  auto r = h.api("POST", "/api/v1/vehicles/" + vin + "/display-messages", body);
  REQUIRE(r);
  REQUIRE(r->status == 202);
  CHECK(str(parse(r->body)["message_id"]) == "msg-1");
  auto again = h.api("POST", "/api/v1/vehicles/" + vin + "/display-messages", body);
  REQUIRE(again);
  CHECK(again->status == 202);
  CHECK(parse(again->body)["duplicate"].GetBool());
  auto bad = h.api("POST", "/api/v1/vehicles/" + vin + "/display-messages",
                   R"({"message_id":"msg-2","text":"x","language":"es","display_seconds":0})");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(str(parse(bad->body)["field"]) == "display_seconds");
  auto messages = h.control("GET", "/control/display-messages?vin=" + vin);
  REQUIRE(messages["messages"].Size() == 1);
  CHECK(str(messages["messages"][0]["text"]) == "Modo nieve activado");
  CHECK(messages["messages"][0]["requests"].GetUint64() == 2);
  CHECK(messages["messages"][0]["vehicle_online"].GetBool());
}

TEST_CASE("control API: faults refused whole, reset, metrics and probes", "[component][control]") {
  Harness h;
  auto refused = h.control("POST", "/control/faults", R"({"fleet":{"offline":true},"api":{"latency_ms":-1}})", 400);
  CHECK(str(refused["field"]) == "api.latency_ms");
  CHECK_FALSE(h.control("GET", "/control/faults")["fleet"]["offline"].GetBool());
  h.control("POST", "/control/faults", R"({"vehicles":{"VSSZZZ6JZ9R000000":{"offline":true}}})", 400);

  h.configure_ok(h.vins[0], "before-reset", R"({"power_mode":"HIGH"})");
  REQUIRE(h.wait_statuses("before-reset", 2));
  h.set_faults(R"({"fleet":{"offline":true}})");
  h.control("POST", "/control/reset?fleet=true");
  REQUIRE(h.receiver.wait_for([&] { return !h.receiver.readings().empty(); }));  // readings counted in the metrics
  CHECK(h.control("GET", "/control/commands")["commands"].Empty());
  CHECK(str(h.status(h.vins[0])["configuration"]["power_mode"]) == "STANDARD");
  CHECK(h.stats()["vehicles_online"].GetUint64() == h.vins.size());
  auto fleet = h.control("GET", "/control/vehicles");
  CHECK(str(fleet["vehicles"][0]["vin"]) == h.vins[0]);  // the same fleet: same seed

  auto metrics = h.client.request({"GET", h.base + "/metrics", {}, {}});
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  for (const auto* name : {"iot_sim_api_requests_total", "iot_sim_readings_total", "iot_sim_webhook_attempts_total",
                           "iot_sim_vehicles_online", "http_requests_total"}) {
    INFO(name);
    CHECK(metrics->body.find(name) != std::string::npos);
  }
  for (const auto* probe : {"/healthz", "/readyz"}) {
    auto r = h.client.request({"GET", h.base + probe, {}, {}});
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}
