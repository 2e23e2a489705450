// Unit tests of the adapter's pure parts: status rule, reconciliation plan,
// schedule, the seed-000 placement decision table, Factory response
// interpretation, event payloads (validated against proto-schemas), the
// store codecs and the projection of the event log into store records.
#include "clients/factory_api.hpp"
#include "domain/events.hpp"
#include "domain/placement.hpp"
#include "domain/reconcile.hpp"
#include "domain/schedule.hpp"
#include "domain/status.hpp"
#include "store/adapter_store.hpp"
#include "store/projection.hpp"

#include <caas/events/json.hpp>
#include <caas/events/schema_registry.hpp>

#include <catch2/catch.hpp>

using namespace caas;
using namespace caas::factory;
using namespace std::chrono_literals;
using resilience::ErrorClass;
using S = FactoryStatus;

namespace {

StatusState state_at(S status, std::int64_t ts) {
  StatusState st;
  record_status(st, {status, "t" + std::to_string(ts), ts, "webhook", false, 0, ""},
                StatusDecision{Verdict::applied, std::nullopt, ""});
  return st;
}

Verdict verdict(const StatusState& st, S s, std::int64_t ts) {
  return decide_status(st, s, ts).verdict;
}

FactorySnapshot snapshot(S current, std::vector<std::pair<S, std::int64_t>> h) {
  FactorySnapshot snap{current, {}};
  for (auto [s, ts] : h) snap.history.push_back({s, "t" + std::to_string(ts), ts});
  return snap;
}

const events::SchemaRegistry& schemas() {
  static events::SchemaRegistry registry(CAAS_SCHEMA_DIR);
  return registry;
}

void require_valid(const std::string& type, const std::string& data) {
  auto r = schemas().validate_json(type, data);
  INFO(type << ": " << data << " -> " << (r ? "" : r.error().message));
  REQUIRE(r);
}

resilience::RetryPolicy seed_policy() {
  return make_placement_policy({});
}

PlaceResult transient(ErrorClass c, int http = 0) {
  return Transient{c, http, "x", {}};
}

}  // namespace

TEST_CASE("statuses parse, order and know which moves are legal", "[unit][status]") {
  CHECK(parse_factory_status("ARRIVED_AT_DEALERSHIP") == S::arrived_at_dealership);
  CHECK_FALSE(parse_factory_status("TELEPORTED"));
  CHECK_FALSE(parse_factory_status("ordered"));
  for (int i = 0; i <= 6; ++i) {
    auto s = static_cast<S>(i);
    CHECK(parse_factory_status(to_string(s)) == s);
    CHECK(rank(s) == i);
  }
  CHECK(is_legal_move(S::ordered, S::shipped));
  CHECK(is_legal_move(S::quality_check, S::in_production));
  CHECK_FALSE(is_legal_move(S::shipped, S::in_production));
  CHECK_FALSE(is_legal_move(S::assembly_complete, S::in_production));
  CHECK_FALSE(is_legal_move(S::shipped, S::shipped));
  CHECK(is_watched_for_silence(S::ordered));
  CHECK(is_watched_for_silence(S::in_production));
  CHECK_FALSE(is_watched_for_silence(S::quality_check));
  CHECK_FALSE(is_active(S::arrived_at_dealership));
  CHECK(is_active(S::shipped));
}

TEST_CASE("decide_status: duplicates, late events, forward jumps and rework", "[unit][status]") {
  StatusState empty;
  CHECK(verdict(empty, S::in_production, 5) == Verdict::applied);

  auto st = state_at(S::in_production, 100);
  CHECK(verdict(st, S::in_production, 100) == Verdict::duplicate);
  CHECK(verdict(st, S::assembly_complete, 200) == Verdict::applied);
  CHECK(verdict(st, S::shipped, 200) == Verdict::applied);                // skip: missed webhooks
  CHECK(verdict(st, S::assembly_complete, 100) == Verdict::not_applied);  // same instant, not newer
  CHECK(verdict(st, S::shipped, 50) == Verdict::not_applied);             // older
  CHECK(verdict(st, S::in_production, 150) == Verdict::not_applied);      // same status, newer
  CHECK(verdict(st, S::ordered, 150) == Verdict::not_applied);            // illegal backward

  auto qc = state_at(S::quality_check, 100);
  auto rework = decide_status(qc, S::in_production, 150);
  CHECK(rework.verdict == Verdict::applied);
  CHECK(rework.previous == S::quality_check);
  CHECK(verdict(qc, S::in_production, 90) == Verdict::not_applied);  // old IN_PRODUCTION, not a rework
  CHECK(verdict(qc, S::assembly_complete, 150) == Verdict::not_applied);

  // Duplicate detection covers not-applied entries too.
  auto d = decide_status(st, S::shipped, 50);
  record_status(st, {S::shipped, "t50", 50, "webhook", false, 0, ""}, d);
  CHECK(st.current == S::in_production);
  CHECK(st.history.size() == 2);
  CHECK_FALSE(st.history.back().applied);
  CHECK(verdict(st, S::shipped, 50) == Verdict::duplicate);
  CHECK(decide_status(st, S::shipped, 50, /*ignore_existing=*/true).verdict == Verdict::not_applied);

  // Duplicates are not recorded.
  record_status(st, {S::shipped, "t50", 50, "webhook", false, 0, ""}, decide_status(st, S::shipped, 50));
  CHECK(st.history.size() == 2);
}

TEST_CASE("plan_reconciliation corrects missed statuses in order", "[unit][reconcile]") {
  auto ours = state_at(S::in_production, 20);
  auto plan = plan_reconciliation(ours, snapshot(S::shipped, {{S::shipped, 60},
                                                              {S::ordered, 10},
                                                              {S::in_production, 20},
                                                              {S::assembly_complete, 30},
                                                              {S::quality_check, 40},
                                                              {S::ready_for_shipment, 50}}));
  CHECK(plan.discrepancy);
  CHECK(plan.resolved);
  CHECK(plan.action() == "corrected");
  CHECK(plan.caas_before == S::in_production);
  CHECK(plan.caas_after == S::shipped);
  REQUIRE(plan.corrections.size() == 5);
  CHECK(plan.corrections[0].observation.status == S::ordered);  // filled in, older than ours
  CHECK(plan.corrections[0].decision.verdict == Verdict::not_applied);
  CHECK(plan.corrections[1].observation.status == S::assembly_complete);
  CHECK(plan.corrections[1].decision.previous == S::in_production);
  CHECK(plan.corrections[4].observation.status == S::shipped);
  CHECK(plan.corrections[4].decision.previous == S::ready_for_shipment);
  CHECK(plan.applied_count() == 4);

  apply_plan(ours, plan, kSourceReconciliation, 1000);
  CHECK(ours.current == S::shipped);
  CHECK(ours.history.size() == 6);
  CHECK(ours.history.back().source == "reconciliation");
  auto again = plan_reconciliation(ours, snapshot(S::shipped, {{S::shipped, 60}, {S::ordered, 10}}));
  CHECK_FALSE(again.discrepancy);
  CHECK(again.corrections.empty());
  CHECK(again.action() == "none");
}

TEST_CASE("plan_reconciliation: in sync, timeline gaps, missed rework, factory behind", "[unit][reconcile]") {
  auto ours = state_at(S::assembly_complete, 30);
  // In sync.
  CHECK_FALSE(plan_reconciliation(ours, snapshot(S::assembly_complete, {{S::assembly_complete, 30}})).discrepancy);
  // A gap in the timeline only: filled with applied=false, no discrepancy.
  auto gap =
      plan_reconciliation(ours, snapshot(S::assembly_complete, {{S::in_production, 20}, {S::assembly_complete, 30}}));
  CHECK_FALSE(gap.discrepancy);
  REQUIRE(gap.corrections.size() == 1);
  CHECK(gap.corrections[0].decision.verdict == Verdict::not_applied);

  // Missed QC, the rework webhook arrived and was recorded not applied: the
  // QC correction makes it applicable, so it is upgraded.
  auto d = decide_status(ours, S::in_production, 50);
  record_status(ours, {S::in_production, "t50", 50, "webhook", false, 0, ""}, d);
  REQUIRE(ours.current == S::assembly_complete);
  auto rework = plan_reconciliation(
      ours, snapshot(S::in_production, {{S::assembly_complete, 30}, {S::quality_check, 40}, {S::in_production, 50}}));
  CHECK(rework.discrepancy);
  CHECK(rework.resolved);
  REQUIRE(rework.corrections.size() == 2);
  CHECK(rework.corrections[1].upgrade);
  CHECK(rework.corrections[1].decision.verdict == Verdict::applied);
  apply_plan(ours, rework, kSourcePoll, 1);
  CHECK(ours.current == S::in_production);
  CHECK(ours.history.size() == 3);  // upgraded in place, QC added
  CHECK(ours.find(S::in_production, 50)->applied);

  // The Factory behind us: never moved back, needs a ticket.
  auto ahead = state_at(S::shipped, 60);
  auto behind = plan_reconciliation(ahead, snapshot(S::ready_for_shipment, {{S::ready_for_shipment, 50}}));
  CHECK(behind.discrepancy);
  CHECK_FALSE(behind.resolved);
  CHECK(behind.action() == "ticket-opened");
  CHECK(behind.caas_after == S::shipped);
  // Same status name but we missed a whole rework cycle: still a discrepancy.
  auto cycle = plan_reconciliation(
      state_at(S::in_production, 20),
      snapshot(S::in_production,
               {{S::in_production, 20}, {S::assembly_complete, 30}, {S::quality_check, 40}, {S::in_production, 50}}));
  CHECK(cycle.discrepancy);
  CHECK(cycle.applied_count() == 3);
}

TEST_CASE("schedule: silence, poll cadence and the daily run survive restarts", "[unit][schedule]") {
  ScheduleSettings s{48h, 4h, 24h};
  const std::int64_t h = 3600 * 1000;
  CHECK_FALSE(is_silent(S::ordered, 0, 48 * h, s));  // exactly 48 h: not more than
  CHECK(is_silent(S::ordered, 0, 48 * h + 1, s));
  CHECK(is_silent(S::in_production, 0, 50 * h, s));
  CHECK_FALSE(is_silent(S::shipped, 0, 500 * h, s));
  CHECK(poll_due(S::ordered, 0, 0, 49 * h, s));
  CHECK_FALSE(poll_due(S::ordered, 0, 47 * h, 49 * h, s));
  CHECK(poll_due(S::ordered, 0, 45 * h, 49 * h, s));
  CHECK_FALSE(poll_due(S::ordered, 10 * h, 0, 49 * h, s));
  CHECK(next_reconcile_at(std::nullopt, 5, s) == 5 + 24 * h);
  CHECK(next_reconcile_at(std::int64_t{7}, 5, s) == 7);
  CHECK(reconcile_after_run(100, s) == 100 + 24 * h);
}

TEST_CASE("placement decision follows the seed-000 retry table", "[unit][placement]") {
  const auto policy = seed_policy();
  CHECK(decide_placement(Created{"F", "ORDERED", "2027-01-01", "B", "2026-01-01T00:00:00Z"}, 1, 0ms, policy).action ==
        PlacementAction::placed);
  auto rejected = decide_placement(Rejected{400, "INVALID_SPECIFICATION", "m", "f"}, 1, 0ms, policy);
  CHECK(rejected.action == PlacementAction::rejected);
  CHECK_FALSE(rejected.critical);
  for (int code : {401, 403}) {
    auto a = decide_placement(AuthFailed{code, "no"}, 1, 0ms, policy);
    CHECK(a.action == PlacementAction::auth_failed);
    CHECK(a.critical);
  }
  // Network timeout: 3 retries, 1 s / 2 s / 4 s.
  const std::vector<long> timeouts{1000, 2000, 4000};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto d = decide_placement(transient(ErrorClass::timeout), attempt, 0ms, policy);
    CHECK(d.action == PlacementAction::retry);
    CHECK(d.delay.count() == timeouts[static_cast<std::size_t>(attempt - 1)]);
  }
  CHECK(decide_placement(transient(ErrorClass::timeout), 4, 0ms, policy).action == PlacementAction::exhausted);
  CHECK(decide_placement(transient(ErrorClass::network), 4, 0ms, policy).action == PlacementAction::exhausted);
  // 500/502/503: 5 retries, exponential.
  for (int attempt = 1; attempt <= 5; ++attempt) {
    auto d = decide_placement(transient(ErrorClass::server_error, 503), attempt, 0ms, policy);
    CHECK(d.action == PlacementAction::retry);
    CHECK(d.delay.count() == 1000L << (attempt - 1));
  }
  auto exhausted = decide_placement(transient(ErrorClass::server_error, 502), 6, 0ms, policy);
  CHECK(exhausted.action == PlacementAction::exhausted);
  CHECK(exhausted.error_class == ErrorClass::server_error);
  // 429 honours Retry-After.
  auto limited = decide_placement(Transient{ErrorClass::rate_limited, 429, "slow down", 7000ms}, 1, 0ms, policy);
  CHECK(limited.action == PlacementAction::retry);
  CHECK(limited.delay == 7000ms);
  // Unintelligible answers go to a person at once.
  CHECK(decide_placement(transient(ErrorClass::unknown, 201), 1, 0ms, policy).action == PlacementAction::exhausted);
  // The overall deadline cuts retries short.
  CHECK(decide_placement(transient(ErrorClass::server_error), 2, 599s, policy).action == PlacementAction::exhausted);
  // Configured delays scale the whole table (tests run in milliseconds).
  auto fast = make_placement_policy({.initial_delay = 10ms, .max_delay = 60s, .deadline = 0ms});
  CHECK(decide_placement(transient(ErrorClass::server_error), 3, 0ms, fast).delay == 40ms);
  CHECK(decide_placement(transient(ErrorClass::server_error), 5, 100h, fast).action == PlacementAction::retry);
}

TEST_CASE("Factory answers are interpreted per seed 000", "[unit][client]") {
  auto created = interpret_place_response(
      201,
      R"({"order_id":"FAC-2024-001234","status":"ORDERED","estimated_delivery_date":"2024-02-15","manufacturing_location":"Barcelona Factory","created_at":"2024-01-10T14:30:00Z"})");
  REQUIRE(std::holds_alternative<Created>(created));
  CHECK(std::get<Created>(created).factory_order_id == "FAC-2024-001234");
  auto incomplete = interpret_place_response(201, R"({"order_id":"FAC-1"})");
  REQUIRE(std::holds_alternative<Transient>(incomplete));
  CHECK(std::get<Transient>(incomplete).kind == ErrorClass::unknown);
  CHECK(std::holds_alternative<Transient>(interpret_place_response(201, "not json")));

  auto rejected = interpret_place_response(
      400,
      R"({"error_code":"INVALID_SPECIFICATION","message":"Unknown option code: INVALID_OPTION","field":"vehicle_specification.initial_options[1]"})");
  REQUIRE(std::holds_alternative<Rejected>(rejected));
  CHECK(std::get<Rejected>(rejected).error_code == "INVALID_SPECIFICATION");
  CHECK(std::get<Rejected>(rejected).field == "vehicle_specification.initial_options[1]");
  CHECK(std::get<Rejected>(interpret_place_response(400, "<html>")).error_code == "HTTP_400");
  CHECK(std::holds_alternative<AuthFailed>(interpret_place_response(401, "{}")));
  CHECK(std::holds_alternative<AuthFailed>(interpret_place_response(403, "")));
  for (int code : {500, 502, 503}) {
    auto t = interpret_place_response(code, "");
    REQUIRE(std::holds_alternative<Transient>(t));
    CHECK(std::get<Transient>(t).kind == ErrorClass::server_error);
  }
  auto limited = interpret_place_response(429, "", "3");
  CHECK(std::get<Transient>(limited).retry_after == 3000ms);
  CHECK(std::get<Transient>(interpret_place_response(408, "")).kind == ErrorClass::timeout);
  CHECK(is_health_failure(ErrorClass::timeout));
  CHECK_FALSE(is_health_failure(ErrorClass::auth));
  CHECK_FALSE(is_health_failure(ErrorClass::client_error));

  auto status = interpret_status_response(
      200,
      R"({"order_id":"FAC-1","status":"IN_PRODUCTION","status_history":[{"status":"ORDERED","timestamp":"2024-01-10T14:30:00Z"},{"status":"IN_PRODUCTION","timestamp":"2024-01-12T08:00:00Z"}],"estimated_delivery_date":"2024-02-15","current_location":"Barcelona Factory - Assembly Line 3"})");
  REQUIRE(std::holds_alternative<FactorySnapshot>(status));
  const auto& snap = std::get<FactorySnapshot>(status);
  CHECK(snap.status == S::in_production);
  REQUIRE(snap.history.size() == 2);
  CHECK(snap.history[1].ts_ms - snap.history[0].ts_ms == (41 * 3600 + 30 * 60) * 1000LL);
  CHECK(std::get<StatusQueryError>(interpret_status_response(404, "")).http_status == 404);
  CHECK(std::holds_alternative<StatusQueryError>(interpret_status_response(200, R"({"status":"LOST"})")));
  CHECK(std::holds_alternative<StatusQueryError>(interpret_status_response(
      200, R"({"status":"SHIPPED","status_history":[{"status":"SHIPPED","timestamp":"yesterday"}]})")));
}

TEST_CASE("the request body is the seed-000 fields of place-order", "[unit][client]") {
  auto body = placement_request_body(
      R"({"order_id":"o","order_number":"ORD-2026-000001","idempotency_key":"o","customer_id":"C","vehicle_specification":{"platform_base":"P","initial_options":[],"color":"c","interior":"i"},"dealership_id":"D","delivery_address":{"street":"s","city":"c","postal_code":"1","country":"ES"},"plan_comercial":{"maintenance_included":true,"warranty_years":5,"opciones_permanentes":[]}})");
  auto doc = events::parse_strict_json(body);
  REQUIRE(doc);
  CHECK(doc->MemberCount() == 5);
  CHECK(std::string((*doc)["customer_id"].GetString()) == "C");
  CHECK((*doc)["plan_comercial"]["warranty_years"].GetInt() == 5);
  CHECK_FALSE(doc->HasMember("order_id"));
  CHECK(placement_request_body("[]").empty());
}

TEST_CASE("every emitted payload satisfies its schema and ids are deterministic", "[unit][events]") {
  const Created c{"FAC-1", "ORDERED", "2027-02-15", "Barcelona Factory", "2026-11-01T10:00:00Z"};
  require_valid("factory.order-placed", order_placed_data("o-1", c, 2));
  require_valid("factory.order-rejected", order_rejected_data("o-1", Rejected{400, "INVALID_SPECIFICATION", "bad", "f"},
                                                              1, "2026-11-01T10:00:00Z"));
  require_valid("factory.order-rejected",
                order_rejected_data("o-1", Rejected{404, "", "", ""}, 1, "2026-11-01T10:00:00Z"));
  require_valid("factory.submission-failed", submission_failed_data({"o-1", ErrorClass::auth, 401, 1, "HTTP 401", true,
                                                                     "TCK-1", "2026-11-01T10:00:00Z"}));
  require_valid("factory.submission-failed", submission_failed_data({"o-1", ErrorClass::timeout, 0, 4, "timeout", false,
                                                                     "", "2026-11-01T10:00:00Z"}));
  StatusEntry e{S::shipped, "2026-11-01T10:00:00Z", 1, "webhook", false, 0, "ing-1"};
  require_valid("factory.status-changed", status_changed_data("o-1", "FAC-1", e, S::in_production,
                                                              {"2026-12-01", std::string(5000, 'n'), "Route"}));
  require_valid("factory.status-changed", status_changed_data("o-1", "FAC-1", e, std::nullopt));
  require_valid("factory.discrepancy-found",
                discrepancy_data({"o-1", "FAC-1", S::ordered, S::shipped, "daily-reconciliation", "corrected",
                                  "2026-11-01T10:00:00Z", "d"}));
  for (auto a : {PlacementAction::rejected, PlacementAction::auth_failed, PlacementAction::exhausted}) {
    auto t = placement_ticket(a, "o-1", "o-1", "C-1", "why", 3, "2026-11-01T10:00:00Z");
    require_valid("support.ticket-opened", ticket_data(t));
    CHECK(t.ticket_id == placement_ticket(a, "o-1", "o-1", "C-1", "other", 4, "later").ticket_id);
  }
  CHECK(placement_ticket(PlacementAction::auth_failed, "o", "o", "", "", 1, "").category == "factory-auth-failure");
  CHECK(placement_ticket(PlacementAction::auth_failed, "o", "o", "", "", 1, "").severity == "critical");
  // The adapter's ids come from events::derive_event_id (tested in libs/events);
  // pinned here too because ids already on the topics must not change.
  CHECK(derive_event_id("a", "b") == "7e18f737-311b-5dc3-b2f2-69dd78396b03");
}

TEST_CASE("store records round-trip through JSON", "[unit][store]") {
  FactoryOrder f;
  f.factory_order_id = "FAC-1";
  f.order_id = "o-1";
  f.customer_id = "C";
  f.rev = 7;
  f.last_update_ms = 11;
  f.last_polled_ms = 12;
  record_status(f.status, {S::ordered, "2026-11-01T10:00:00Z", 5, "placement", false, 1, ""},
                StatusDecision{Verdict::applied, std::nullopt, ""});
  record_status(f.status, {S::assembly_complete, "t", 3, "webhook", false, 2, "ing"},
                StatusDecision{Verdict::not_applied, S::ordered, ""});
  auto back = factory_order_from_json(to_json(f));
  REQUIRE(back);
  CHECK(back->rev == 7);
  CHECK(back->last_polled_ms == 12);
  CHECK(back->status.current == S::ordered);
  CHECK(back->status.current_ts_ms == 5);
  REQUIRE(back->status.history.size() == 2);
  CHECK_FALSE(back->status.history[1].applied);
  CHECK(back->status.history[1].ingress_event_id == "ing");

  PendingPlacement p;
  p.order_id = "o-1";
  p.idempotency_key = "k";
  p.request_body = R"({"a":"\"quoted\""})";
  p.attempts = 3;
  p.next_attempt_at_ms = 99;
  auto pb = pending_from_json(to_json(p));
  REQUIRE(pb);
  CHECK(pb->request_body == p.request_body);
  CHECK(pb->attempts == 3);
  CHECK(pb->next_attempt_at_ms == 99);
  CHECK_FALSE(pending_from_json("{}"));

  ReconciliationReport r{"run", "manual", 1, 2, 3, 1, {{"o", "F", "ORDERED", "SHIPPED", "corrected", 4, ""}}};
  auto rb = report_from_json(to_json(r));
  REQUIRE(rb);
  REQUIRE(rb->discrepancies.size() == 1);
  CHECK(rb->discrepancies[0].factory_status == "SHIPPED");
  CHECK(rb->orders_unreachable == 1);
}

namespace {

/// What the status handler does with an observation at `now_ms`: decide,
/// record, and return the data of the factory.status-changed it emits
/// (empty for a duplicate).
std::string observe(FactoryOrder& fo, S status, const std::string& ts, std::string_view source, std::int64_t now_ms) {
  const auto ts_ms = *rfc3339_ms(ts);
  const auto d = decide_status(fo.status, status, ts_ms);
  if (d.verdict == Verdict::duplicate) return "";
  const StatusEntry e{status, ts, ts_ms, std::string(source), d.verdict == Verdict::applied, now_ms, ""};
  CHECK(project_status(fo, e));
  return status_changed_data(fo.order_id, fo.factory_order_id, e, d.previous);
}

std::string without_rev(FactoryOrder f) {
  f.rev = 0;
  return to_json(f);
}

}  // namespace

TEST_CASE("outcome events project into the placement record the worker writes", "[unit][projection]") {
  const Created c{"FAC-1", "ORDERED", "2027-02-15", "Barcelona Factory", "2026-11-01T10:00:00Z"};
  auto placed = placement_from_event(kOrderPlaced, order_placed_data("o-1", c, 2), 1000);
  REQUIRE(placed);
  CHECK(placed->outcome == "placed");
  CHECK(placed->factory_order_id == "FAC-1");
  CHECK(placed->attempts == 2);
  CHECK(placed->http_status == 201);
  CHECK(placed->finished_at_ms == 1000);
  CHECK(placed->idempotency_key.empty());  // only the command knows it
  CHECK(complete_placement(*placed, "key-1", "C-1"));
  CHECK(placed->idempotency_key == "key-1");
  CHECK(placed->customer_id == "C-1");
  CHECK_FALSE(complete_placement(*placed, "other", "C-2"));  // fills empty fields only
  CHECK(placed->customer_id == "C-1");

  const Rejected r{400, "INVALID_SPECIFICATION", "bad option", "vehicle_specification"};
  auto rejected = placement_from_event(kOrderRejected, order_rejected_data("o-2", r, 1, "2026-11-01T10:00:00Z"), 5);
  REQUIRE(rejected);
  CHECK(rejected->outcome == "rejected");
  CHECK(rejected->http_status == 400);
  CHECK(rejected->error_class == "client_error");
  CHECK(rejected->last_error == describe(r));
  CHECK(rejected->ticket_id.empty());
  complete_placement(*rejected, "o-2", "C");
  CHECK(rejected->ticket_id == placement_ticket(PlacementAction::rejected, "o-2", "o-2", "C", "", 1, "").ticket_id);

  auto failed = placement_from_event(
      kSubmissionFailed,
      submission_failed_data({"o-3", ErrorClass::auth, 401, 1, "HTTP 401", true, "TCK-9", "2026-11-01T10:00:00Z"}), 7);
  REQUIRE(failed);
  CHECK(failed->outcome == "failed");
  CHECK(failed->error_class == "auth");
  CHECK(failed->http_status == 401);
  CHECK(failed->critical);
  CHECK(failed->ticket_id == "TCK-9");
  CHECK(failed->last_error == "HTTP 401");

  CHECK_FALSE(placement_from_event("factory.discrepancy-found", R"({"order_id":"o"})", 1));
  CHECK_FALSE(placement_from_event(kOrderPlaced, R"({"order_id":"o"})", 1));  // no factory order id
  CHECK_FALSE(placement_from_event(kOrderPlaced, "not json", 1));
}

TEST_CASE("replaying the emitted events rebuilds the same factory order", "[unit][projection]") {
  const Created c{"FAC-1", "ORDERED", "2027-02-15", "Barcelona Factory", "2026-11-01T10:00:00Z"};
  const auto placed_data = order_placed_data("o-1", c, 1);
  auto live = factory_order_from_placed(placed_data, 1000, "corr");
  REQUIRE(live);
  CHECK(live->status.current == S::ordered);
  CHECK(live->status.history.at(0).source == "placement");
  CHECK(live->placed_at_ms == 1000);
  CHECK(live->last_update_ms == 1000);

  // The live adapter: webhooks (one duplicate, one late), then a poll that
  // finds a status no webhook reported.
  std::vector<std::pair<std::string, std::int64_t>> log;  // (status-changed data, envelope time)
  auto emit = [&](S s, const std::string& ts, std::string_view source, std::int64_t now) {
    auto data = observe(*live, s, ts, source, now);
    if (!data.empty()) log.emplace_back(data, now);
  };
  emit(S::in_production, "2026-11-02T08:00:00Z", kSourceWebhook, 2000);
  emit(S::in_production, "2026-11-02T08:00:00.000Z", kSourceWebhook, 2100);  // duplicate: nothing
  emit(S::quality_check, "2026-11-04T08:00:00Z", kSourceWebhook, 3000);
  emit(S::assembly_complete, "2026-11-03T08:00:00Z", kSourceWebhook, 4000);  // late: recorded only
  emit(S::ready_for_shipment, "2026-11-05T08:00:00Z", kSourcePoll, 5000);
  REQUIRE(log.size() == 4);
  CHECK(live->last_update_ms == 5000);
  CHECK(live->last_polled_ms == 5000);

  // The projection from an empty store.
  auto rebuilt = factory_order_from_placed(placed_data, 1000, "corr");
  REQUIRE(rebuilt);
  for (const auto& [data, at] : log) {
    auto seen = status_from_event(data, at);
    REQUIRE(seen);
    CHECK(seen->factory_order_id == "FAC-1");
    CHECK(project_status(*rebuilt, seen->entry));
  }
  CHECK(without_rev(*rebuilt) == without_rev(*live));

  // Idempotent: the same events again (or the live record's own events) change nothing.
  for (const auto& [data, at] : log) CHECK_FALSE(project_status(*rebuilt, status_from_event(data, at)->entry));
  CHECK(without_rev(*rebuilt) == without_rev(*live));
}

TEST_CASE("project_status: identity is (status, instant), an unapplied entry can be upgraded", "[unit][projection]") {
  FactoryOrder fo;
  fo.factory_order_id = "FAC-1";
  const StatusEntry late{S::assembly_complete, "t3", 3, "webhook", false, 100, "ing"};
  CHECK(project_status(fo, late));
  CHECK_FALSE(fo.status.current);  // not applied: current and last_update stay
  CHECK(fo.last_update_ms == 0);
  CHECK_FALSE(project_status(fo, late));
  // Reconciliation later applies the same observation: upgraded in place.
  const StatusEntry upgrade{S::assembly_complete, "t3", 3, "reconciliation", true, 200, ""};
  CHECK(project_status(fo, upgrade));
  REQUIRE(fo.status.history.size() == 1);
  CHECK(fo.status.history[0].applied);
  CHECK(fo.status.history[0].source == "webhook");  // the first observation stays
  CHECK(fo.status.current == S::assembly_complete);
  CHECK(fo.last_update_ms == 200);
  CHECK(fo.last_polled_ms == 200);
  CHECK_FALSE(project_status(fo, upgrade));
  CHECK_FALSE(project_status(fo, late));  // an applied entry is never downgraded
  CHECK(fo.status.history[0].applied);
  CHECK_FALSE(status_from_event(R"({"order_id":"o","factory_order_id":"F","status":"NOPE","timestamp":"t"})", 1));
}
