// ota_component_test: the ota-engine's real wiring in process (ServiceRuntime
// + OtaService) against an in-process Kafka-protocol broker, the real
// caas-iot-sim process (its faults through /control) whose signed
// command-status webhooks reach the engine through the real
// caas-webhook-ingress, and real HTTP. The test plays the order service
// (order.delivered) and telemetry-ingest (vehicle.online).
#include "app/ota_service.hpp"

#include "ota_harness.hpp"
#include "service_harness.hpp"

using namespace caas;
using namespace caas::ota;
using namespace caas::ota::test;

namespace {

struct EngineUnderTest {
  EngineUnderTest(const Partners& partners, std::map<std::string, std::string> overrides = {}) {
    auto env = partners.ota_env((partners.dir() / "ota-data").string());
    for (auto& [k, v] : overrides) env[k] = v;
    service = std::make_unique<testing::RunningService<OtaService>>("ota-engine", "ota-0", env,
                                                                    std::make_unique<OtaService>());
    REQUIRE(testing::eventually([&] { return call(port(), "GET", "/readyz", "").status == 200; }, 60s));
  }
  std::uint16_t port() const { return service->port(); }
  std::unique_ptr<testing::RunningService<OtaService>> service;
};

std::string vehicle_fault(const std::string& vin, const std::string& fault) {
  return R"({"vehicles":{")" + vin + R"(":)" + fault + "}}";
}

}  // namespace

namespace {

// A record of caas.ota.commands.v1 as the waiting room keeps it.
service::WaitingRecord waiting_on_commands(const std::string& type, const std::string& vin, const std::string& data,
                                           std::int64_t offset) {
  auto envelope = events::make_envelope(type, "caas/ota-engine", vin, data, "corr-" + vin, "");
  REQUIRE(envelope);
  service::WaitingRecord w;
  w.record = kafka::ConsumedRecord{std::string(kCommandsTopic), 0, offset, vin, events::serialize(*envelope), {}};
  w.reason = "not recorded yet";
  return w;
}

}  // namespace

// The replay's ordering: caas.ota.commands.v1 read ahead of the
// acknowledgement (or vehicle.online) that created attempt 2, so its
// ota.command-posted waits in the waiting room when the replayed store
// decides attempt 2 again. That record is the proof the attempt was posted.
TEST_CASE("a command whose ota.command-posted waits in the replay's waiting room is not posted again",
          "[component][replay]") {
  const std::string vin = "WOTAREPLAY0000001";
  const std::string id = "6f1b8c2e-0000-4000-8000-000000000001";
  auto post = [&](int attempt) {
    PostCommand p;
    p.activation_id = id;
    p.vin = vin;
    p.attempt = attempt;
    p.command_id = id + "." + std::to_string(attempt);
    p.token = 7;
    return p;
  };
  PostResult accepted;
  accepted.attempt = 2;
  accepted.outcome = "accepted";
  accepted.http_status = 202;
  const auto posted2 =
      waiting_on_commands("ota.command-posted", vin, posted_data(post(2), accepted, 1'700'000'000'000), 41);

  std::vector<service::WaitingRecord> waiting{posted2};
  CHECK(posted_in_log(waiting, post(2)));  // the attempt itself
  CHECK(posted_in_log(waiting, post(1)));  // an earlier one: the log went past it
  CHECK_FALSE(posted_in_log(waiting, post(3)));
  CHECK_FALSE(posted_in_log({}, post(2)));

  auto other = post(2);
  other.activation_id = "6f1b8c2e-0000-4000-8000-000000000002";
  other.command_id = other.activation_id + ".2";
  CHECK_FALSE(posted_in_log(waiting, other));  // another activation of the vehicle

  // Only an ota.command-posted proves a post; a timer of the same activation does not.
  std::vector<service::WaitingRecord> timer_only{
      waiting_on_commands("ota.timer-fired", vin, timer_data(id, vin, 3, 1'700'000'000'000, 1'700'000'000'100), 42)};
  CHECK_FALSE(posted_in_log(timer_only, post(2)));
}

TEST_CASE("success, a lost acknowledgement and a 429 each activate with one command and one charge", "[component]") {
  Partners partners("ota-comp-success", 6);
  std::set<std::string> taken;
  const auto ok_vin = partners.deliver("SUV_ELECTRIC_2024", "C1", taken);
  const auto lost_vin = partners.deliver("SUV_ELECTRIC_2024", "C2", taken);
  const auto busy_vin = partners.deliver("SEDAN_ELECTRIC_2024", "C3", taken);
  EngineUnderTest engine(partners);
  wait_known(engine.port(), busy_vin);

  // The simple case, bought by the customer with a token.
  auto r = purchase(engine.port(), ok_vin, "PERFORMANCE_BOOST", customer_token("C1"), "buy-1");
  INFO(r.body);
  REQUIRE(r.status == 202);
  CHECK(r.headers["Location"] == "/api/v1/activations/" + r.str("activation_id"));
  CHECK(r.str("state") == "REQUESTED");
  const auto ok_id = r.str("activation_id");
  auto view = wait_terminal(engine.port(), ok_id);
  CHECK(json::str(view, "state") == "ACTIVE");
  CHECK(json::str(view, "confirmed_by") == "acknowledgement");
  REQUIRE(view["attempts"].Size() == 1);
  CHECK(json::str(view["attempts"][0], "command_id") == ok_id + ".1");
  CHECK(partners.configuration(ok_vin, "power_mode") == "\"HIGH\"");

  // The acknowledgement is lost: confirmed by the status query, with one command.
  partners.faults(vehicle_fault(lost_vin, R"({"lost_ack_probability":1.0})"));
  r = purchase(engine.port(), lost_vin, "SNOW_MODE");
  REQUIRE(r.status == 202);
  const auto lost_id = r.str("activation_id");
  view = wait_terminal(engine.port(), lost_id);
  CHECK(json::str(view, "state") == "ACTIVE");
  CHECK(json::str(view, "confirmed_by") == "status-query");
  CHECK(view["attempts"].Size() == 1);
  auto cmds = partners.commands(lost_vin);
  REQUIRE(cmds["commands"].Size() == 1);
  CHECK(json::int64(cmds["commands"][0], "requests") == 1);

  // The API IoT answers 429: the same attempt is posted again after Retry-After.
  partners.faults(R"({"api":{"next_errors":[429]}})");
  r = purchase(engine.port(), busy_vin, "PREMIUM_CLIMATE");
  REQUIRE(r.status == 202);
  const auto busy_id = r.str("activation_id");
  view = wait_terminal(engine.port(), busy_id);
  CHECK(json::str(view, "state") == "ACTIVE");
  REQUIRE(view["attempts"].Size() == 1);
  cmds = partners.commands(busy_vin);
  REQUIRE(cmds["commands"].Size() == 1);
  CHECK(json::str(cmds["commands"][0], "command_id") == busy_id + ".1");

  // Billing: exactly one capture per confirmed activation, nothing else.
  std::vector<Seen> billing;
  REQUIRE(testing::eventually(
      [&] {
        billing = topic_events(partners.bootstrap(), kBillingTopic);
        return billing.size() >= 3;
      },
      20s));
  for (const auto& id : std::vector<std::string>{ok_id, lost_id, busy_id}) {
    CHECK(count(billing, "billing.charge-requested", id) == 1);
    CHECK(count(billing, "billing.charge-waived", id) == 0);
  }
  auto outcomes = topic_events(partners.bootstrap(), kOtaEventsTopic);
  CHECK(count(outcomes, "ota.activated") == 3);

  // The vehicle's services and the audit log.
  auto services = call(engine.port(), "GET", "/api/v1/vehicles/" + ok_vin + "/services", customer_token("C1"));
  REQUIRE(services.status == 200);
  auto sv = services.json();
  bool seen_active = false;
  for (const auto& s : sv["services"].GetArray()) {
    if (json::str(s, "service_code") == "PERFORMANCE_BOOST") {
      seen_active = json::boolean(s, "active");
      CHECK(json::str(s["reported"], "power_mode") == "HIGH");
    }
  }
  CHECK(seen_active);
  auto log = call(engine.port(), "GET", "/api/v1/vehicles/" + ok_vin + "/commands");
  REQUIRE(log.status == 200);
  CHECK(log.json()["commands"].Size() == 1);
  auto metrics = call(engine.port(), "GET", "/metrics", "");
  CHECK(metrics.body.find("ota_activations_confirmed_first_attempt_total") != std::string::npos);
  CHECK(metrics.body.find("ota_iot_requests_total{result=\"failure\"}") != std::string::npos);
}

TEST_CASE("reject, partial and firmware error are escalated with a diagnostic package and never charged",
          "[component]") {
  Partners partners("ota-comp-failures", 8);
  std::set<std::string> taken;
  const auto reject_vin = partners.deliver("SUV_ELECTRIC_2024", "C1", taken);
  const auto partial_vin = partners.deliver("SUV_ELECTRIC_2024", "C2", taken);
  const auto firmware_vin = partners.deliver("SEDAN_ELECTRIC_2024", "C3", taken);
  partners.faults(R"({"vehicles":{")" + reject_vin + R"(":{"reject_probability":1.0},")" + partial_vin +
                  R"(":{"partial_probability":1.0},")" + firmware_vin + R"(":{"firmware_error_probability":1.0}}})");
  EngineUnderTest engine(partners);
  wait_known(engine.port(), firmware_vin);
  const auto reject_id = purchase(engine.port(), reject_vin, "AUTONOMOUS_HIGHWAY").str("activation_id");
  const auto partial_id = purchase(engine.port(), partial_vin, "PERFORMANCE_BOOST").str("activation_id");
  const auto firmware_id = purchase(engine.port(), firmware_vin, "SNOW_MODE").str("activation_id");
  REQUIRE_FALSE(reject_id.empty());
  REQUIRE_FALSE(partial_id.empty());
  REQUIRE_FALSE(firmware_id.empty());

  auto rejected = wait_terminal(engine.port(), reject_id);
  CHECK(json::str(rejected, "state") == "ESCALATED");
  CHECK(json::str(rejected, "reason") == "REJECTED");
  CHECK(rejected["attempts"].Size() == 1);
  CHECK(json::str(rejected, "last_error_code") == "CONFIGURATION_REJECTED");

  auto partial = wait_terminal(engine.port(), partial_id);
  CHECK(json::str(partial, "state") == "ESCALATED");
  CHECK(json::str(partial, "reason") == "PARTIAL_ACTIVATION");
  REQUIRE(partial["attempts"].Size() == 3);  // activate, deactivate, reactivate once
  CHECK(json::str(partial["attempts"][1], "kind") == "recovery-deactivate");
  CHECK(json::str(partial["attempts"][2], "kind") == "recovery-reactivate");
  CHECK(partners.commands(partial_vin)["commands"].Size() == 3);

  auto firmware = wait_terminal(engine.port(), firmware_id);
  CHECK(json::str(firmware, "state") == "ESCALATED");
  CHECK(json::str(firmware, "reason") == "FIRMWARE_ERROR");
  CHECK(firmware["attempts"].Size() == 1);  // at once, no retry
  CHECK(partners.commands(firmware_vin)["commands"].Size() == 1);

  std::vector<Seen> billing, tickets;
  REQUIRE(testing::eventually(
      [&] {
        billing = topic_events(partners.bootstrap(), kBillingTopic);
        tickets = topic_events(partners.bootstrap(), kTicketsTopic);
        return billing.size() >= 3 && tickets.size() >= 3;
      },
      20s));
  CHECK(count(billing, "billing.charge-requested") == 0);
  for (const auto& id : std::vector<std::string>{reject_id, partial_id, firmware_id}) {
    CHECK(count(billing, "billing.charge-waived", id) == 1);
    CHECK(count(tickets, "support.ticket-opened", "OTA-" + id) == 1);
  }
  for (const auto& t : tickets) {
    auto d = events::parse_strict_json(t.data);
    REQUIRE(d);
    CHECK(json::str(*d, "category") == "ota-escalation");
    const auto& ctx = (*d)["context"];
    CHECK(ctx["service"].IsObject());
    CHECK(ctx["attempts"].Size() >= 1);
    CHECK(ctx["vehicle_status"].IsObject());  // the proactive status query
    CHECK(ctx["vehicle_status"]["configuration"].IsObject());
    CHECK(ctx["connectivity"].IsObject());
    CHECK(ctx["last_telemetry"].IsObject());
    CHECK_FALSE(json::str(*d, "customer_id").empty());
  }
  auto outcomes = topic_events(partners.bootstrap(), kOtaEventsTopic);
  CHECK(count(outcomes, "ota.escalated") == 3);
  CHECK(count(outcomes, "ota.activated") == 0);
}

TEST_CASE("an offline vehicle is waited for without spending attempts and activated when back online", "[component]") {
  Partners partners("ota-comp-offline", 12);
  std::set<std::string> taken;
  const auto vin = partners.deliver("VAN_ELECTRIC_2024", "C1", taken);
  partners.faults(vehicle_fault(vin, R"({"offline":true})"));
  EngineUnderTest engine(partners);
  wait_known(engine.port(), vin);
  auto r = purchase(engine.port(), vin, "PREMIUM_CLIMATE");
  REQUIRE(r.status == 202);
  const auto id = r.str("activation_id");
  Reply last;
  REQUIRE(testing::eventually(
      [&] {
        last = call(engine.port(), "GET", "/api/v1/activations/" + id);
        return last.str("state") == "WAITING_ONLINE";
      },
      20s));
  // Far longer than every retry interval: still waiting (checked now and then), nothing spent, nothing resent.
  const bool moved = testing::eventually(
      [&] {
        auto now = call(engine.port(), "GET", "/api/v1/activations/" + id);
        auto v = now.json();
        const auto state = json::str(v, "state");
        return (state != "WAITING_ONLINE" && state != "VERIFYING") || v["attempts"].Size() != 1;
      },
      4s);
  REQUIRE_FALSE(moved);
  partners.faults(vehicle_fault(vin, "null"));  // back on the network
  partners.produce({vehicle_online(vin, 1)});
  auto view = wait_terminal(engine.port(), id);
  CHECK(json::str(view, "state") == "ACTIVE");
  CHECK(view["attempts"].Size() == 1);
  CHECK(partners.configuration(vin, "climate_zones") == "4");
  auto cmds = partners.commands(vin);
  REQUIRE(cmds["commands"].Size() == 1);
  CHECK(json::int64(cmds["commands"][0], "requests") == 1);
}

TEST_CASE("the API: idempotent purchase, ownership transfer revokes access, authorisation and rate limits",
          "[component]") {
  Partners partners("ota-comp-api", 12);
  std::set<std::string> taken;
  const auto vin = partners.deliver("SUV_ELECTRIC_2024", "C1", taken);
  const auto van = partners.deliver("VAN_ELECTRIC_2024", "C1", taken);
  const auto never_delivered = partners.vehicle_of("COMPACT_ELECTRIC_2024", taken);
  EngineUnderTest engine(partners, {{"CAAS_OTA_RATE_LIMIT_PER_VEHICLE", "10"}});
  const auto port = engine.port();
  wait_known(port, van);

  // The same purchase retried with the same key is one activation.
  auto first = purchase(port, vin, "SNOW_MODE", customer_token("C1"), "k-1");
  auto again = purchase(port, vin, "SNOW_MODE", customer_token("C1"), "k-1");
  REQUIRE(first.status == 202);
  REQUIRE(again.status == 202);
  CHECK(again.str("activation_id") == first.str("activation_id"));
  auto other = purchase(port, vin, "SNOW_MODE", customer_token("C1"), "k-1", "another-authorisation");
  CHECK(other.status == 422);
  CHECK(other.str("error") == "idempotency_key_reused");
  wait_terminal(port, first.str("activation_id"));
  CHECK(partners.commands(vin)["commands"].Size() == 1);
  auto billing = topic_events(partners.bootstrap(), kBillingTopic);
  CHECK(count(billing, "billing.charge-requested") == 1);

  // Who may buy what.
  CHECK(purchase(port, vin, "SNOW_MODE", customer_token("C2")).status == 403);
  CHECK(purchase(port, vin, "SNOW_MODE", kDealerKey).status == 403);
  CHECK(purchase(port, vin, "SNOW_MODE", "").status == 401);
  CHECK(purchase(port, never_delivered, "SNOW_MODE").status == 404);
  CHECK(purchase(port, vin, "TIME_TRAVEL").status == 404);
  CHECK(purchase(port, van, "AUTONOMOUS_HIGHWAY").status == 422);              // no ADAS module on the van
  CHECK(purchase(port, vin, "SNOW_MODE", kOperatorKey, "k-2").status == 409);  // already active
  auto no_payment =
      call(port, "POST", "/api/v1/vehicles/" + vin + "/services/PERFORMANCE_BOOST/activation", kOperatorKey, "{}");
  CHECK(no_payment.status == 400);
  auto catalogue = call(port, "GET", "/api/v1/catalogue?platform=VAN_ELECTRIC_2024", customer_token("C1"));
  REQUIRE(catalogue.status == 200);
  CHECK(catalogue.json()["services"].Size() == 3);
  CHECK(call(port, "GET", "/api/v1/catalogue?platform=HOVERCRAFT").status == 400);

  // Ownership transfer: the previous customer loses access at once.
  CHECK(call(port, "GET", "/api/v1/vehicles/" + vin + "/services", customer_token("C1")).status == 200);
  CHECK(call(port, "POST", "/api/v1/vehicles/" + vin + "/owner", customer_token("C1"), R"({"customer_id":"C9"})")
            .status == 403);
  auto moved = call(port, "POST", "/api/v1/vehicles/" + vin + "/owner", kOperatorKey, R"({"customer_id":"C9"})");
  INFO(moved.body);
  REQUIRE(moved.status == 200);
  CHECK(moved.str("previous_customer_id") == "C1");
  CHECK(call(port, "GET", "/api/v1/vehicles/" + vin + "/services", customer_token("C1")).status == 403);
  CHECK(call(port, "GET", "/api/v1/activations/" + first.str("activation_id"), customer_token("C1")).status == 403);
  CHECK(purchase(port, vin, "PERFORMANCE_BOOST", customer_token("C1")).status == 403);
  auto bought = purchase(port, vin, "PERFORMANCE_BOOST", customer_token("C9"));
  REQUIRE(bought.status == 202);
  wait_terminal(port, bought.str("activation_id"));

  // Deactivation: confirmed, it stops the charge.
  auto off = call(port, "POST", "/api/v1/vehicles/" + vin + "/services/SNOW_MODE/deactivation", customer_token("C9"));
  INFO(off.body);
  REQUIRE(off.status == 202);
  auto off_view = wait_terminal(port, off.str("activation_id"));
  CHECK(json::str(off_view, "state") == "DEACTIVATED");
  CHECK(partners.configuration(vin, "snow_mode_available") == "0");
  REQUIRE(testing::eventually(
      [&] {
        return count(topic_events(partners.bootstrap(), kBillingTopic), "billing.charge-stopped",
                     off.str("activation_id")) == 1;
      },
      20s));

  // Per-vehicle rate limit (10 a minute here): 429 with Retry-After.
  Reply limited;
  for (int i = 0; i < 10 && limited.status != 429; ++i) {
    limited = purchase(port, van, "SNOW_MODE", kOperatorKey);  // 202 once, then 409 (already being activated)
  }
  CHECK(limited.status == 429);
  CHECK_FALSE(limited.headers["Retry-After"].empty());
}

TEST_CASE("under a fault mix every activation ends ACTIVE or ESCALATED and exactly the active ones are charged",
          "[component]") {
  Partners partners("ota-comp-mix", 10);
  auto fleet = partners.fleet();
  std::vector<kafka::Record> deliveries;
  for (const auto& [vin, platform] : fleet) deliveries.push_back(delivered(vin, "C-" + vin, platform));
  partners.produce(deliveries);
  partners.faults(R"({"fleet":{"reject_probability":0.1,"partial_probability":0.1,"firmware_error_probability":0.05,)"
                  R"("lost_ack_probability":0.2},"api":{"error_probability":0.05},"vehicles":{")" +
                  fleet[0].first + R"(":{"offline":true}}})");
  EngineUnderTest engine(partners);
  wait_known(engine.port(), fleet.back().first);
  std::vector<std::string> ids;
  for (const auto& [vin, platform] : fleet) {
    for (const char* code : {"PERFORMANCE_BOOST", "SNOW_MODE"}) {
      auto r = purchase(engine.port(), vin, code);
      INFO(r.body);
      REQUIRE(r.status == 202);
      ids.push_back(r.str("activation_id"));
    }
  }
  // The offline vehicle comes back without any vehicle.online: the wait's status checks find it.
  partners.faults(vehicle_fault(fleet[0].first, "null"));
  std::map<std::string, std::string> states;
  for (const auto& id : ids) states[id] = json::str(wait_terminal(engine.port(), id, 120s), "state");
  std::map<std::string, std::size_t> charged, waived;
  std::vector<Seen> billing;
  const auto active = static_cast<std::size_t>(
      std::count_if(states.begin(), states.end(), [](const auto& s) { return s.second == "ACTIVE"; }));
  REQUIRE(testing::eventually(
      [&] {
        billing = topic_events(partners.bootstrap(), kBillingTopic);
        return billing.size() >= ids.size();
      },
      20s));
  for (const auto& b : billing) ++(b.type == "billing.charge-requested" ? charged : waived)[b.key];
  CHECK(charged.size() == active);
  for (const auto& [id, state] : states) {
    INFO(id << " " << state);
    CHECK(charged[id] == (state == "ACTIVE" ? 1u : 0u));
    CHECK(waived[id] == (state == "ESCALATED" ? 1u : 0u));
  }
}
