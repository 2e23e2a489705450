// ota_unit_test: the catalogue and the activation state machine, pure (no
// Kafka, no sockets, no clock: every input carries its instant).
#include "domain/activation.hpp"
#include "domain/catalogue.hpp"
#include "domain/ota_events.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace caas::ota;

namespace {

std::string shipped_catalogue_text() {
  std::ifstream in(CAAS_OTA_CATALOGUE_FILE_PATH);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const Catalogue& shipped() {
  static const Catalogue c = [] {
    auto parsed = Catalogue::parse(shipped_catalogue_text());
    REQUIRE(parsed.ok());
    return *parsed;
  }();
  return c;
}

constexpr const char* kVin = "VSSBHZCD5RB673063";
constexpr const char* kPlatform = "SUV_ELECTRIC_2024";

struct Fixture {
  Engine engine;
  Vehicle v;
  Activation a;
  std::int64_t now = 1'000'000;

  explicit Fixture(const char* code = "PERFORMANCE_BOOST", Operation op = Operation::activation) {
    v.vin = kVin;
    a = make_activation("act-1", kVin, "cust-1", *shipped().find(code), kPlatform, op, "pay-1", now);
    v.queue.push_back(a.id);
  }
  Effects start() { return engine.start(a, v, now); }
  Effects ack(int n, const char* result, const char* code = "", std::optional<Params> reported = std::nullopt) {
    Acknowledgement k{a.id + "." + std::to_string(n), result, code, std::move(reported)};
    return engine.on_ack(a, v, k, n, now);
  }
  Effects posted(int n, const char* outcome, int status = 202, std::int64_t retry_after = 0) {
    return engine.on_posted(a, v, PostResult{n, outcome, status, retry_after, ""}, now);
  }
  Effects fire() {
    now = std::max(now, a.timer.due_ms);
    return engine.on_timer(a, v, a.timer.seq, now);
  }
  Effects status(const Params& config, bool online = true,
                 std::vector<std::pair<std::string, std::string>> pending = {}) {
    StatusSnapshot s;
    s.ok = true;
    s.query_seq = a.query_seq;
    s.configuration = config;
    s.online = online;
    s.pending = std::move(pending);
    s.raw_json = R"({"vin":"VSSBHZCD5RB673063","configuration":{}})";
    return engine.on_status(a, v, s, now);
  }
  Effects status_failed() {
    StatusSnapshot s;
    s.ok = false;
    s.query_seq = a.query_seq;
    return engine.on_status(a, v, s, now);
  }
};

Params high() {
  return {{"power_mode", ParamValue::of("HIGH")}};
}
Params standard() {
  return {{"power_mode", ParamValue::of("STANDARD")}};
}

}  // namespace

TEST_CASE("the shipped catalogue has the four services of seed 004 with the simulator's platforms") {
  const auto& c = shipped();
  REQUIRE(c.services().size() == 4);
  for (const char* code : {"PERFORMANCE_BOOST", "AUTONOMOUS_HIGHWAY", "SNOW_MODE", "PREMIUM_CLIMATE"}) {
    REQUIRE(c.find(code) != nullptr);
  }
  CHECK(c.values("PERFORMANCE_BOOST", "VAN_ELECTRIC_2024") != nullptr);
  CHECK(c.values("AUTONOMOUS_HIGHWAY", "VAN_ELECTRIC_2024") == nullptr);   // the van has no ADAS module
  CHECK(c.values("PREMIUM_CLIMATE", "COMPACT_ELECTRIC_2024") == nullptr);  // nor the compact 4 climate zones
  const auto* snow = c.values("SNOW_MODE", "SUV_HYBRID_2024");
  REQUIRE(snow);
  CHECK(snow->activation.at("snow_mode_available") == ParamValue::of_int(1));
  const auto& p = c.find("AUTONOMOUS_HIGHWAY")->policy;
  CHECK(p.max_attempts >= 3);
  CHECK(p.max_attempts <= 5);
  CHECK(p.interval_ms >= 30000);
  CHECK(p.interval_ms <= 60000);
  CHECK(p.attempt_timeout_ms >= 10000);
  CHECK(p.attempt_timeout_ms <= 30000);
  const auto scaled = c.scaled(0.01);
  CHECK(scaled.find("AUTONOMOUS_HIGHWAY")->policy.interval_ms == p.interval_ms / 100);
}

TEST_CASE("a bad catalogue names the line or the field") {
  auto syntax = Catalogue::parse("{\n  \"version\": 1,\n  \"services\": [,]\n}", "cat.json");
  REQUIRE_FALSE(syntax.ok());
  CHECK(syntax.error().message.find("cat.json: line 3") != std::string::npos);

  auto text = shipped_catalogue_text();
  auto broken = text;
  broken.replace(broken.find("\"backoff\": \"fixed\""), 18, "\"backoff\": \"sometimes\"");
  auto bad = Catalogue::parse(broken, "cat.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("retry_policies.driver-assistance.backoff") != std::string::npos);

  auto no_policy = text;
  no_policy.replace(no_policy.find("\"service_type\": \"comfort\""), 25, "\"service_type\": \"luxury\"");
  auto np = Catalogue::parse(no_policy, "cat.json");
  REQUIRE_FALSE(np.ok());
  CHECK(np.error().message.find("services[3].service_type") != std::string::npos);

  auto same = text;
  same.replace(same.find("\"deactivation\": {\"climate_zones\": 2}"), 36, "\"deactivation\": {\"climate_zones\": 4}");
  auto sm = Catalogue::parse(same, "cat.json");
  REQUIRE_FALSE(sm.ok());
  CHECK(sm.error().message.find("services[3].platforms.") != std::string::npos);
}

TEST_CASE("parameter values compare numerically and by kind") {
  CHECK(same_value(ParamValue::of_int(4), ParamValue::of_decimal(4.0)));
  CHECK_FALSE(same_value(ParamValue::of_bool(true), ParamValue::of_int(1)));
  CHECK_FALSE(same_value(ParamValue::of("1"), ParamValue::of_int(1)));
  CHECK(matches(high(), {{"power_mode", ParamValue::of("HIGH")}, {"climate_zones", ParamValue::of_int(2)}}));
  CHECK_FALSE(matches(high(), standard()));
  CHECK_FALSE(matches(high(), {}));
}

TEST_CASE("success at the first attempt: APPLIED with the desired configuration confirms") {
  Fixture f;
  auto fx = f.start();
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].command_id == "act-1.1");
  CHECK(fx.posts[0].parameters == high());
  CHECK(f.a.state == State::sent);
  CHECK(f.a.timer.purpose == TimerPurpose::ack_timeout);
  CHECK(f.posted(1, "accepted").posts.empty());
  CHECK(f.ack(1, "ACCEPTED").posts.empty());
  fx = f.ack(1, "APPLIED", "", high());
  CHECK(fx.finished);
  CHECK(f.a.state == State::active);
  CHECK(f.a.confirmed_by == "acknowledgement");
  CHECK(f.v.active.at("PERFORMANCE_BOOST") == "act-1");
  auto events = outcome_events(f.a, f.v, shipped().find("PERFORMANCE_BOOST"), 48);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "ota.activated");
  CHECK(events[1].type == "billing.charge-requested");
  CHECK(events[1].key == "act-1");
}

TEST_CASE("lost acknowledgement: the status query finds the configuration, no second command") {
  Fixture f;
  f.start();
  f.posted(1, "accepted");
  auto fx = f.fire();  // attempt timeout
  CHECK(fx.posts.empty());
  REQUIRE(fx.queries.size() == 1);
  CHECK(fx.queries[0].purpose == "timeout");
  CHECK(f.a.state == State::verifying);
  fx = f.status(high());
  CHECK(fx.finished);
  CHECK(fx.posts.empty());
  CHECK(f.a.state == State::active);
  CHECK(f.a.confirmed_by == "status-query");
  CHECK(f.a.attempts.size() == 1);
  CHECK(f.a.attempts[0].outcome == "confirmed_by_status");
}

TEST_CASE("no acknowledgement and nothing applied: retried with a new command id, then escalated") {
  Fixture f;  // PERFORMANCE_BOOST: 3 attempts, exponential
  f.start();
  for (int n = 1; n <= 3; ++n) {
    f.posted(n, "accepted");
    f.fire();
    auto fx = f.status(standard());
    if (n < 3) {
      CHECK(f.a.state == State::retry_wait);
      CHECK(f.a.timer.purpose == TimerPurpose::retry);
      fx = f.fire();
      REQUIRE(fx.posts.size() == 1);
      CHECK(fx.posts[0].command_id == "act-1." + std::to_string(n + 1));
    } else {
      REQUIRE(fx.queries.size() == 1);  // the proactive status query before escalating
      CHECK(fx.queries[0].purpose == "escalate");
    }
  }
  CHECK(f.a.attempts[1].sent_at_ms - f.a.attempts[0].sent_at_ms > f.a.policy.interval_ms);  // backoff waited
  auto fx = f.status(standard());
  CHECK(fx.finished);
  CHECK(f.a.state == State::escalated);
  CHECK(f.a.reason == "RETRIES_EXHAUSTED");
  auto events = outcome_events(f.a, f.v, shipped().find("PERFORMANCE_BOOST"), 48);
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == "ota.escalated");
  CHECK(events[1].type == "billing.charge-waived");
  CHECK(events[2].type == "support.ticket-opened");
  auto ticket = caas::events::parse_strict_json(events[2].data);
  REQUIRE(ticket.ok());
  const auto* ctx = caas::events::json::member(*ticket, "context");
  REQUIRE(ctx);
  CHECK(caas::events::json::member(*ctx, "attempts")->Size() == 3);
  CHECK(caas::events::json::member(*ctx, "vehicle_status")->IsObject());
  CHECK(caas::events::json::member(*ctx, "service")->IsObject());
  CHECK(caas::events::json::member(*ctx, "connectivity")->IsObject());
  CHECK(caas::events::json::str(*ticket, "customer_id") == "cust-1");
}

TEST_CASE("rejected: the vehicle is queried, then escalated at once without a charge") {
  Fixture f;
  f.start();
  auto fx = f.ack(1, "REJECTED", "CONFIGURATION_REJECTED", standard());
  REQUIRE(fx.queries.size() == 1);
  CHECK(fx.posts.empty());
  fx = f.status(standard());
  CHECK(f.a.state == State::escalated);
  CHECK(f.a.reason == "REJECTED");
  CHECK(f.a.last_error_code == "CONFIGURATION_REJECTED");
  CHECK(f.a.attempts.size() == 1);
}

TEST_CASE("firmware error: escalated at once, no retry") {
  Fixture f;
  f.start();
  auto fx = f.ack(1, "FAILED", "FW_INTERNAL_ERROR");
  CHECK(fx.posts.empty());
  f.status(standard());
  CHECK(f.a.state == State::escalated);
  CHECK(f.a.reason == "FIRMWARE_ERROR");
  CHECK(f.a.attempts.size() == 1);
}

TEST_CASE("partial activation: deactivate and reactivate once, then confirmed") {
  Fixture f;
  f.start();
  auto fx = f.ack(1, "APPLIED", "", standard());  // the parameter did not change
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].parameters == standard());  // deactivation values first
  CHECK(f.a.state == State::recovering);
  CHECK(f.a.attempts[0].outcome == "partial");
  fx = f.ack(2, "APPLIED", "", standard());
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].parameters == high());  // then the activation again
  fx = f.ack(3, "APPLIED", "", high());
  CHECK(f.a.state == State::active);
  CHECK(f.a.attempts.size() == 3);
}

TEST_CASE("partial twice: escalated as a partial activation") {
  Fixture f;
  f.start();
  f.ack(1, "APPLIED", "", standard());
  f.ack(2, "APPLIED", "", standard());
  auto fx = f.ack(3, "APPLIED", "", standard());
  REQUIRE(fx.queries.size() == 1);
  f.status(standard());
  CHECK(f.a.state == State::escalated);
  CHECK(f.a.reason == "PARTIAL_ACTIVATION");
  CHECK_FALSE(f.v.active.count("PERFORMANCE_BOOST"));
}

TEST_CASE("offline: the wait does not spend attempts, vehicle.online resumes it") {
  Fixture f;
  f.v.online = false;
  auto fx = f.start();
  CHECK(fx.posts.empty());
  CHECK(f.a.state == State::waiting_online);
  CHECK(f.a.timer.purpose == TimerPurpose::online_check);
  CHECK(f.a.attempts.empty());
  f.now += 60'000;
  fx = f.engine.on_online(f.a, f.v, f.now);
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].command_id == "act-1.1");
  f.ack(1, "APPLIED", "", high());
  CHECK(f.a.state == State::active);
}

TEST_CASE("a held command is delivered when the vehicle is back, its offline failure costs no attempt") {
  Fixture f;
  f.start();
  f.posted(1, "held");
  CHECK(f.a.state == State::waiting_online);
  CHECK_FALSE(f.v.online);
  auto fx = f.ack(1, "FAILED", "VEHICLE_OFFLINE");  // the API IoT's TTL passed
  CHECK(fx.posts.empty());
  CHECK(f.a.spent == 0);
  CHECK(f.a.state == State::waiting_online);
  fx = f.engine.on_online(f.a, f.v, f.now);
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].command_id == "act-1.2");
  f.ack(2, "APPLIED", "", high());
  CHECK(f.a.state == State::active);
  CHECK(f.a.spent == 0);
}

TEST_CASE("offline past the overall deadline: escalated") {
  Fixture f;
  f.v.online = false;
  f.a.deadline_ms = f.now + 1000;  // sooner than the next online check
  f.start();
  CHECK(f.a.timer.purpose == TimerPurpose::offline_deadline);
  auto fx = f.fire();
  REQUIRE(fx.queries.size() == 1);
  f.status(standard(), false);
  CHECK(f.a.state == State::escalated);
  CHECK(f.a.reason == "OFFLINE_DEADLINE");
}

TEST_CASE("network interruption: retried soon with a new command, counted") {
  Fixture f;
  f.start();
  f.posted(1, "network_error", 0);
  CHECK(f.a.state == State::retry_wait);
  CHECK(f.a.timer.due_ms - f.now == f.a.policy.network_retry_ms);
  auto fx = f.fire();
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].command_id == "act-1.2");
  CHECK(f.a.spent == 1);
}

TEST_CASE("429 from the API IoT: the same attempt is posted again after Retry-After") {
  Fixture f;
  f.start();
  f.posted(1, "rate_limited", 429, 2000);
  CHECK(f.a.timer.purpose == TimerPurpose::repost);
  CHECK(f.a.timer.due_ms == f.now + 2000);
  auto fx = f.fire();
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].command_id == "act-1.1");  // not a new attempt
  CHECK(f.a.spent == 0);
  f.posted(1, "accepted");
  f.ack(1, "APPLIED", "", high());
  CHECK(f.a.state == State::active);
}

TEST_CASE("unknown vehicle at the API IoT: escalated without a status query") {
  Fixture f;
  f.start();
  auto fx = f.posted(1, "not_found", 404);
  CHECK(fx.finished);
  CHECK(f.a.state == State::escalated);
  CHECK(f.a.reason == "UNKNOWN_VEHICLE");
}

TEST_CASE("status query unavailable: retried, then the package goes without a snapshot") {
  Fixture f;
  f.start();
  f.ack(1, "FAILED", "FW_INTERNAL_ERROR");
  f.status_failed();
  CHECK(f.a.state == State::verifying);
  f.fire();  // status timeout counts as a failure too
  f.status_failed();
  CHECK(f.a.state == State::escalated);
  CHECK(f.a.last_status_json.empty());
}

TEST_CASE("APPLIED without reported values is verified: by configuration-reported or by status") {
  Fixture f;
  f.start();
  auto fx = f.ack(1, "APPLIED");
  REQUIRE(fx.queries.size() == 1);
  CHECK(f.a.state == State::verifying);
  fx = f.engine.on_configuration(f.a, f.v, high(), f.now);
  CHECK(fx.finished);
  CHECK(f.a.confirmed_by == "reported-configuration");

  Fixture g;
  g.start();
  g.ack(1, "APPLIED");
  g.status(standard());  // applied but not changed: partial
  CHECK(g.a.state == State::recovering);
}

TEST_CASE("a status showing our command still pending waits instead of resending") {
  Fixture f;
  f.start();
  f.fire();
  auto fx = f.status(standard(), true, {{"act-1.1", "APPLYING"}});
  CHECK(fx.posts.empty());
  CHECK(f.a.state == State::sent);
  f.fire();
  fx = f.status(standard(), false, {{"act-1.1", "HELD"}});
  CHECK(f.a.state == State::waiting_online);
  fx = f.engine.on_online(f.a, f.v, f.now);
  CHECK(fx.posts.empty());  // the API IoT delivers the held one
  CHECK(f.a.state == State::sent);
}

TEST_CASE("stale inputs are ignored: old timers, old queries, results of finished activations") {
  Fixture f;
  f.start();
  const auto old_seq = f.a.timer.seq;
  f.posted(1, "rate_limited", 429, 10);
  CHECK(f.engine.on_timer(f.a, f.v, old_seq, f.now + 100'000).posts.empty());
  f.fire();
  f.ack(1, "APPLIED", "", high());
  REQUIRE(f.a.state == State::active);
  CHECK(f.ack(1, "REJECTED").posts.empty());
  CHECK(f.a.state == State::active);
  CHECK(f.fire().posts.empty());
}

TEST_CASE("a late APPLIED of an earlier attempt still proves the configuration") {
  Fixture f;
  f.start();
  f.fire();
  f.status(standard());  // not there yet: attempt 2 after the interval
  f.fire();
  REQUIRE(f.a.attempts.size() == 2);
  f.ack(1, "APPLIED", "", high());
  CHECK(f.a.state == State::active);
}

TEST_CASE("deactivation: confirmed deactivation stops the charge, failure emits no billing event") {
  Fixture f("SNOW_MODE", Operation::deactivation);
  f.v.active["SNOW_MODE"] = "act-0";
  auto fx = f.start();
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].parameters.at("snow_mode_available") == ParamValue::of_int(0));
  f.ack(1, "APPLIED", "", Params{{"snow_mode_available", ParamValue::of_int(0)}});
  CHECK(f.a.state == State::deactivated);
  CHECK_FALSE(f.v.active.count("SNOW_MODE"));
  auto events = outcome_events(f.a, f.v, shipped().find("SNOW_MODE"), 48);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "ota.deactivated");
  CHECK(events[1].type == "billing.charge-stopped");

  Fixture g("SNOW_MODE", Operation::deactivation);
  g.start();
  g.ack(1, "FAILED", "FW_INTERNAL_ERROR");
  g.status({});
  auto failed = outcome_events(g.a, g.v, shipped().find("SNOW_MODE"), 48);
  REQUIRE(failed.size() == 2);
  CHECK(failed[0].type == "ota.escalated");
  CHECK(failed[1].type == "support.ticket-opened");
}

TEST_CASE("codecs round-trip an activation and a vehicle") {
  Fixture f;
  f.start();
  f.posted(1, "rate_limited", 429, 1000);
  f.ack(1, "ACCEPTED");
  auto back = decode_activation(encode(f.a));
  REQUIRE(back);
  CHECK(encode(*back) == encode(f.a));
  f.v.reported = {{"max_charge_kw", ParamValue::of_decimal(150.0)},
                  {"autonomous_highway_enabled", ParamValue::of_bool(false)}};
  auto vb = decode_vehicle(encode(f.v));
  REQUIRE(vb);
  CHECK(encode(*vb) == encode(f.v));
  CHECK(vb->reported.at("max_charge_kw").kind == ParamValue::Kind::decimal);
}

TEST_CASE("command ids carry the activation and the attempt, event ids are deterministic") {
  auto s = split_command_id("3f1c-aa.12");
  REQUIRE(s);
  CHECK(s->first == "3f1c-aa");
  CHECK(s->second == 12);
  CHECK_FALSE(split_command_id("demo-1"));
  CHECK_FALSE(split_command_id("x.0"));
  Fixture f;
  f.start();
  f.ack(1, "APPLIED", "", high());
  auto one = outcome_events(f.a, f.v, nullptr, 48);
  auto two = outcome_events(f.a, f.v, nullptr, 48);
  CHECK(one[1].id == two[1].id);
  CHECK(request_event_id("a") == request_event_id("a"));
  CHECK(timer_event_id("a", 1) != timer_event_id("a", 2));
}

TEST_CASE("an offline wait checks the vehicle every interval without spending attempts") {
  Fixture f;
  f.v.online = false;
  f.start();
  auto fx = f.fire();  // online check
  REQUIRE(fx.queries.size() == 1);
  CHECK(fx.queries[0].purpose == "online");
  fx = f.status(standard(), false);  // still offline: wait again
  CHECK(f.a.state == State::waiting_online);
  CHECK(f.a.timer.purpose == TimerPurpose::online_check);
  f.fire();
  fx = f.status(standard(), true);  // back, and no vehicle.online came: send now
  REQUIRE(fx.posts.size() == 1);
  CHECK(fx.posts[0].command_id == "act-1.1");
  CHECK(f.a.spent == 0);

  Fixture g;  // a held command applied while nobody told us
  g.start();
  g.posted(1, "held");
  g.fire();
  fx = g.status(high(), true);
  CHECK(fx.finished);
  CHECK(g.a.state == State::active);
  CHECK(g.a.attempts.size() == 1);

  Fixture h;  // the held command is still pending at the API IoT: wait for its result
  h.start();
  h.posted(1, "held");
  h.fire();
  fx = h.status(standard(), true, {{"act-1.1", "APPLYING"}});
  CHECK(fx.posts.empty());
  CHECK(h.a.state == State::sent);
}
