// Unit tests of the pure parts: catalogue and placement validation, the
// order book's production line, the seed-000 bodies, the fault plan.
#include "domain/fault_plan.hpp"
#include "domain/order_book.hpp"
#include "domain/placement.hpp"
#include "domain/stats.hpp"
#include "domain/views.hpp"

#include <caas/events/json.hpp>
#include <caas/events/time.hpp>

#include <rapidjson/pointer.h>
#include <catch2/catch.hpp>

using namespace caas;
using namespace caas::factory_sim;
using namespace std::chrono_literals;

namespace {

const char* kValidBody = R"({
  "customer_id": "CAAS-CUST-123456",
  "vehicle_specification": {"platform_base": "SUV_ELECTRIC_2024",
    "initial_options": ["POWER_BOOST_50", "ADAS_LEVEL_2"], "color": "MIDNIGHT_BLUE", "interior": "PREMIUM_LEATHER"},
  "dealership_id": "DEALER-ES-001",
  "delivery_address": {"street": "Calle Principal 123", "city": "Madrid", "postal_code": "28001", "country": "ES"},
  "plan_comercial": {"maintenance_included": true, "warranty_years": 5, "opciones_permanentes": ["POWER_BOOST_50"]}
})";

rapidjson::Document parse(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  REQUIRE(doc);
  return std::move(*doc);
}

/// The valid body with one JSON pointer replaced (or removed when value is empty).
rapidjson::Document body_with(const char* pointer, const char* value_json) {
  auto doc = parse(kValidBody);
  rapidjson::Pointer p(pointer);
  if (value_json == nullptr) {
    p.Erase(doc);
  } else {
    auto v = parse(value_json);
    p.Set(doc, rapidjson::Value(v, doc.GetAllocator()));
  }
  return doc;
}

ApiError error_of(const rapidjson::Document& doc) {
  auto r = validate_placement(doc, Catalogue::defaults());
  REQUIRE(std::holds_alternative<ApiError>(r));
  return std::get<ApiError>(r);
}

TimePoint at(const char* rfc3339) {
  auto t = events::parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

PlacementRequest valid_request() {
  auto r = validate_placement(parse(kValidBody), Catalogue::defaults());
  REQUIRE(std::holds_alternative<PlacementRequest>(r));
  return std::get<PlacementRequest>(r);
}

}  // namespace

TEST_CASE("a seed-000 order request is valid", "[unit][placement]") {
  auto r = validate_placement(parse(kValidBody), Catalogue::defaults());
  REQUIRE(std::holds_alternative<PlacementRequest>(r));
  const auto& req = std::get<PlacementRequest>(r);
  CHECK(req.customer_id == "CAAS-CUST-123456");
  CHECK(req.vehicle_specification.initial_options == std::vector<std::string>{"POWER_BOOST_50", "ADAS_LEVEL_2"});
  CHECK(req.delivery_address.city == "Madrid");
  CHECK(req.plan_comercial_json ==
        R"({"maintenance_included":true,"warranty_years":5,"opciones_permanentes":["POWER_BOOST_50"]})");
}

TEST_CASE("an unknown option code is INVALID_SPECIFICATION naming its index", "[unit][placement]") {
  auto e = error_of(body_with("/vehicle_specification/initial_options", R"(["POWER_BOOST_50","INVALID_OPTION"])"));
  CHECK(e.status == 400);
  CHECK(e.error_code == "INVALID_SPECIFICATION");
  CHECK(e.message == "Unknown option code: INVALID_OPTION");
  CHECK(e.field == "vehicle_specification.initial_options[1]");
  CHECK(
      e.to_json() ==
      R"({"error_code":"INVALID_SPECIFICATION","message":"Unknown option code: INVALID_OPTION","field":"vehicle_specification.initial_options[1]"})");
}

TEST_CASE("specification errors name the field", "[unit][placement]") {
  CHECK(error_of(body_with("/vehicle_specification/platform_base", R"("HOVERCRAFT")")).field ==
        "vehicle_specification.platform_base");
  CHECK(error_of(body_with("/vehicle_specification/platform_base", R"("HOVERCRAFT")")).error_code ==
        "INVALID_SPECIFICATION");
  auto dup = error_of(body_with("/vehicle_specification/initial_options", R"(["ADAS_LEVEL_2","ADAS_LEVEL_2"])"));
  CHECK(dup.error_code == "INVALID_SPECIFICATION");
  CHECK(dup.field == "vehicle_specification.initial_options[1]");
  auto plan = error_of(body_with("/plan_comercial/opciones_permanentes", R"(["NOPE"])"));
  CHECK(plan.field == "plan_comercial.opciones_permanentes[0]");
}

TEST_CASE("missing or mistyped fields are INVALID_REQUEST naming the field", "[unit][placement]") {
  struct Case {
    const char* pointer;
    const char* value;
    const char* field;
  };
  const Case cases[] = {
      {"/customer_id", nullptr, "customer_id"},
      {"/customer_id", "42", "customer_id"},
      {"/customer_id", R"("")", "customer_id"},
      {"/vehicle_specification", nullptr, "vehicle_specification"},
      {"/vehicle_specification", "[]", "vehicle_specification"},
      {"/vehicle_specification/initial_options", R"("POWER_BOOST_50")", "vehicle_specification.initial_options"},
      {"/vehicle_specification/initial_options", "[7]", "vehicle_specification.initial_options[0]"},
      {"/vehicle_specification/color", nullptr, "vehicle_specification.color"},
      {"/vehicle_specification/interior", "null", "vehicle_specification.interior"},
      {"/dealership_id", nullptr, "dealership_id"},
      {"/delivery_address/street", nullptr, "delivery_address.street"},
      {"/delivery_address/country", R"("Spain")", "delivery_address.country"},
      {"/delivery_address/country", R"("es")", "delivery_address.country"},
      {"/plan_comercial", nullptr, "plan_comercial"},
      {"/plan_comercial/warranty_years", R"("5")", "plan_comercial.warranty_years"},
      {"/plan_comercial/maintenance_included", "1", "plan_comercial.maintenance_included"},
  };
  for (const auto& c : cases) {
    INFO(c.pointer << " = " << (c.value ? c.value : "<removed>"));
    auto e = error_of(body_with(c.pointer, c.value));
    CHECK(e.error_code == "INVALID_REQUEST");
    CHECK(e.field == c.field);
  }
  CHECK(error_of(parse("[1]")).error_code == "INVALID_REQUEST");
}

TEST_CASE("a configured catalogue replaces the defaults and refuses unknown members", "[unit][catalogue]") {
  auto c = parse_catalogue(
      R"({"platform_bases":["TRUCK_2030"],"option_codes":["WINCH"],"colors":["RED"],"lead_time_days":10})");
  REQUIRE(c);
  CHECK(c->has_platform("TRUCK_2030"));
  CHECK_FALSE(c->has_platform("SUV_ELECTRIC_2024"));
  CHECK(c->has_option("WINCH"));
  CHECK(c->has_color("RED"));
  CHECK_FALSE(c->has_color("BLUE"));
  CHECK(c->has_interior("ANYTHING"));  // no interiors listed: any accepted
  CHECK(c->lead_time_days == 10);
  CHECK_FALSE(c->plants.empty());
  auto bad = parse_catalogue(R"({"platform_basis":["X"]})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("platform_basis") != std::string::npos);
  CHECK_FALSE(parse_catalogue(R"({"lead_time_days":0})"));
  CHECK_FALSE(parse_catalogue(R"({"option_codes":[1]})"));
}

TEST_CASE("the fingerprint ignores formatting but not content", "[unit][placement]") {
  const auto a = request_fingerprint(parse(kValidBody));
  const auto b = request_fingerprint(parse(events::to_json(parse(kValidBody))));
  const auto c = request_fingerprint(body_with("/dealership_id", R"("DEALER-ES-002")"));
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a.size() == 64);
  CHECK(valid_idempotency_key("ord-123e4567"));
  CHECK_FALSE(valid_idempotency_key(""));
  CHECK_FALSE(valid_idempotency_key("has space"));
  CHECK_FALSE(valid_idempotency_key(std::string(256, 'k')));
}

TEST_CASE("orders get FAC-<year>-<6 digits> ids, ORDERED, a delivery date and a plant", "[unit][orders]") {
  OrderBook book({.stage_interval = 100ms, .max_orders = 2}, Catalogue::defaults());
  ScriptedRandom rng({0.0, 0.99});
  const auto* a = book.create(valid_request(), "key-a", "fp-a", at("2024-01-10T14:30:00.1234Z"), rng);
  REQUIRE(a != nullptr);
  CHECK(a->id == "FAC-2024-000001");
  CHECK(a->status() == Status::ordered);
  CHECK(a->manufacturing_location == "Barcelona Factory");
  CHECK(format_date(a->estimated_delivery_date) == "2024-02-15");
  CHECK(format_rfc3339(a->created_at) == "2024-01-10T14:30:00.123Z");
  const auto* b = book.create(valid_request(), "", "fp-b", at("2025-03-01T00:00:00Z"), rng);
  REQUIRE(b != nullptr);
  CHECK(b->id == "FAC-2025-000002");
  CHECK(b->manufacturing_location == "Zaragoza Factory");
  CHECK(book.create(valid_request(), "key-c", "fp-c", at("2025-03-01T00:00:00Z"), rng) == nullptr);  // full

  CHECK(book.check_key("key-a", "fp-a") == OrderBook::KeyState::same_body);
  CHECK(book.check_key("key-a", "fp-other") == OrderBook::KeyState::different_body);
  CHECK(book.check_key("key-b", "fp-a") == OrderBook::KeyState::unknown);
  CHECK(book.check_key("", "fp-b") == OrderBook::KeyState::unknown);  // no key: never a replay
  CHECK(book.find_by_key("key-a")->id == "FAC-2024-000001");

  book.count_request("key-a");
  book.count_request("key-a");
  book.count_request("");
  CHECK(book.request_count("key-a") == 2);
  CHECK(book.request_count("") == 0);

  book.clear();
  CHECK(book.size() == 0);
  const auto* c = book.create(valid_request(), "key-a", "fp-a", at("2025-03-01T00:00:00Z"), rng);
  REQUIRE(c != nullptr);
  CHECK(c->id == "FAC-2025-000003");  // ids are never reused
}

TEST_CASE("the production line moves one stage per interval to ARRIVED_AT_DEALERSHIP", "[unit][orders]") {
  OrderBook book({.stage_interval = 100ms}, Catalogue::defaults());
  ScriptedRandom rng;
  auto t = at("2024-01-10T14:30:00Z");
  const auto id = book.create(valid_request(), "k", "fp", t, rng)->id;
  CHECK(book.advance(t + 99ms, 0.0, false, rng).empty());
  std::vector<Status> seen;
  for (int i = 1; i <= 10; ++i) {
    for (const auto& c : book.advance(t + i * 100ms, 0.0, false, rng)) {
      CHECK(c.order_id == id);
      seen.push_back(c.entry.status);
    }
  }
  CHECK(seen == std::vector<Status>{Status::in_production, Status::assembly_complete, Status::quality_check,
                                    Status::ready_for_shipment, Status::shipped, Status::arrived_at_dealership});
  const auto& history = book.find(id)->history;
  REQUIRE(history.size() == 7);
  for (std::size_t i = 1; i < history.size(); ++i) CHECK(history[i].timestamp > history[i - 1].timestamp);
}

TEST_CASE("timestamps stay strictly increasing when the clock stalls", "[unit][orders]") {
  OrderBook book({.stage_interval = 0ms}, Catalogue::defaults());
  ScriptedRandom rng;
  const auto t = at("2024-01-10T14:30:00Z");
  const auto id = book.create(valid_request(), "", "fp", t, rng)->id;
  for (int i = 0; i < 6; ++i) REQUIRE(book.advance(t, 0.0, false, rng).size() == 1);
  const auto& history = book.find(id)->history;
  for (std::size_t i = 1; i < history.size(); ++i) CHECK(history[i].timestamp - history[i - 1].timestamp == 1ms);
}

TEST_CASE("a failed quality check sends the order back to IN_PRODUCTION once", "[unit][orders]") {
  OrderBook book({.stage_interval = 10ms}, Catalogue::defaults());
  ScriptedRandom rng({0.0 /* plant */, 0.1 /* QC fails */});
  auto t = at("2024-01-10T14:30:00Z");
  const auto id = book.create(valid_request(), "", "fp", t, rng)->id;
  std::vector<Status> seen;
  for (int i = 1; i <= 20; ++i) {
    for (const auto& c : book.advance(t + i * 10ms, 0.5, false, rng)) {
      seen.push_back(c.entry.status);
      if (c.entry.rework) CHECK(c.previous == Status::quality_check);
    }
  }
  CHECK(seen == std::vector<Status>{Status::in_production, Status::assembly_complete, Status::quality_check,
                                    Status::in_production, Status::assembly_complete, Status::quality_check,
                                    Status::ready_for_shipment, Status::shipped, Status::arrived_at_dealership});
  CHECK(book.find(id)->reworked);
  CHECK(notes_for(*book.find(id), book.find(id)->history[4]).find("rework") != std::string::npos);
}

TEST_CASE("a paused line moves nothing", "[unit][orders]") {
  OrderBook book({.stage_interval = 10ms}, Catalogue::defaults());
  ScriptedRandom rng;
  auto t = at("2024-01-10T14:30:00Z");
  book.create(valid_request(), "", "fp", t, rng);
  CHECK(book.advance(t + 1h, 0.0, true, rng).empty());
  CHECK(book.advance(t + 1h, 0.0, false, rng).size() == 1);
}

TEST_CASE("bodies are seed 000 field for field", "[unit][views]") {
  OrderBook book({.stage_interval = 100ms}, Catalogue::defaults());
  ScriptedRandom rng({0.0});
  auto t = at("2024-01-10T14:30:00Z");
  const auto id = book.create(valid_request(), "k", "fp", t, rng)->id;
  book.advance(t + 2 * 24h, 0.0, false, rng);
  const Order& o = *book.find(id);
  CHECK(
      placement_response(o) ==
      R"({"order_id":"FAC-2024-000001","status":"ORDERED","estimated_delivery_date":"2024-02-15","manufacturing_location":"Barcelona Factory","created_at":"2024-01-10T14:30:00.000Z"})");
  CHECK(
      status_response(o) ==
      R"({"order_id":"FAC-2024-000001","status":"IN_PRODUCTION","status_history":[{"status":"ORDERED","timestamp":"2024-01-10T14:30:00.000Z"},{"status":"IN_PRODUCTION","timestamp":"2024-01-12T14:30:00.000Z"}],"estimated_delivery_date":"2024-02-15","current_location":"Barcelona Factory - Assembly Line 3"})");
  CHECK(
      webhook_body(o, o.current()) ==
      R"({"order_id":"FAC-2024-000001","status":"IN_PRODUCTION","timestamp":"2024-01-12T14:30:00.000Z","estimated_completion_date":"2024-02-15","notes":"Manufacturing started","location":"Barcelona Factory - Assembly Line 3"})");
  CHECK(location_for(o, Status::shipped) == "In Transit - Madrid Route");
  CHECK(location_for(o, Status::arrived_at_dealership) == "Dealership DEALER-ES-001");
  const auto control = build_json([&](JsonWriter& w) { write_control_order(w, o, 3); });
  auto doc = parse(control);
  CHECK(std::string(doc["idempotency_key"].GetString()) == "k");
  CHECK(doc["placement_requests"].GetInt() == 3);
  CHECK(doc["status_history"].Size() == 2);
}

TEST_CASE("a fault patch changes only what it names", "[unit][faults]") {
  FaultPlan plan;
  auto patch = parse(R"({"placement":{"latency_ms":250,"next_errors":[503,"timeout",502]},
                         "webhooks":{"silent_statuses":["ASSEMBLY_COMPLETE"],"down":true}})");
  REQUIRE_FALSE(apply_fault_patch(plan, patch));
  CHECK(plan.placement.latency == 250ms);
  CHECK(plan.placement.next_errors == std::deque<int>{503, kTimeoutMarker, 502});
  CHECK(plan.placement.error_statuses == std::vector<int>{500, 502, 503});  // untouched
  CHECK(plan.webhooks.silent_statuses == std::vector<Status>{Status::assembly_complete});
  CHECK(plan.webhooks.down);
  REQUIRE_FALSE(apply_fault_patch(plan, parse(R"({"webhooks":{"down":false}})")));
  CHECK_FALSE(plan.webhooks.down);
  CHECK(plan.webhooks.silent_statuses.size() == 1);  // a later patch keeps the rest

  auto round = parse(to_json(plan));
  CHECK(round["placement"]["next_errors"][1] == "timeout");
  CHECK(round["placement"]["auth_failure"].IsNull());
  FaultPlan copy;
  REQUIRE_FALSE(apply_fault_patch(copy, round));
  CHECK(to_json(copy) == to_json(plan));
}

TEST_CASE("a bad fault patch is refused whole, naming the field", "[unit][faults]") {
  FaultPlan plan;
  struct Case {
    const char* patch;
    const char* field;
  };
  const Case cases[] = {
      {R"({"placement":{"latency_ms":5,"error_probability":1.5}})", "placement.error_probability"},
      {R"({"placement":{"error_statuses":[503,200]}})", "placement.error_statuses[1]"},
      {R"({"placement":{"next_errors":["slow"]}})", "placement.next_errors[0]"},
      {R"({"placement":{"auth_failure":500}})", "placement.auth_failure"},
      {R"({"placement":{"latency":5}})", "placement.latency"},
      {R"({"webhooks":{"silent_statuses":["BUILT"]}})", "webhooks.silent_statuses[0]"},
      {R"({"production":{"paused":"yes"}})", "production.paused"},
      {R"({"billing":{}})", "billing"},
  };
  for (const auto& c : cases) {
    INFO(c.patch);
    auto e = apply_fault_patch(plan, parse(c.patch));
    REQUIRE(e);
    CHECK(e->field == c.field);
  }
  CHECK(plan.placement.latency == 0ms);  // the first case's valid member was not applied
}

TEST_CASE("endpoint faults are drawn in a fixed order", "[unit][faults]") {
  EndpointFaults f;
  ScriptedRandom rng;
  CHECK(decide_endpoint(f, rng).kind == Injected::none);

  f.next_errors = {503, kTimeoutMarker};
  f.latency = 40ms;
  auto d = decide_endpoint(f, rng);
  CHECK(d.kind == Injected::error);
  CHECK(d.status == 503);
  CHECK(d.latency == 40ms);
  CHECK(decide_endpoint(f, rng).kind == Injected::timeout);
  CHECK(decide_endpoint(f, rng).kind == Injected::none);  // queue consumed

  f.auth_failure = 403;
  f.next_errors = {500};
  d = decide_endpoint(f, rng);
  CHECK(d.kind == Injected::auth);
  CHECK(d.status == 403);
  CHECK(f.next_errors.size() == 1);  // auth wins and does not consume the queue
  f.auth_failure.reset();
  f.next_errors.clear();

  f.error_probability = 0.5;
  f.error_statuses = {500, 502};
  ScriptedRandom draws({0.4 /* error */, 0.7 /* second status */});
  d = decide_endpoint(f, draws);
  CHECK(d.kind == Injected::error);
  CHECK(d.status == 502);
  f.error_probability = 0.0;
  f.reject_400_probability = 1.0;
  d = decide_endpoint(f, rng);
  CHECK(d.kind == Injected::error);
  CHECK(d.status == 400);
  CHECK(injected_error(400).error_code == "INVALID_SPECIFICATION");
  CHECK(injected_error(503).status == 503);
}

TEST_CASE("webhook faults: silent statuses, drops, duplicates, reorders", "[unit][faults]") {
  WebhookFaults f;
  f.silent_statuses = {Status::assembly_complete};
  ScriptedRandom rng;
  CHECK(decide_webhook(f, Status::assembly_complete, rng).silent);
  auto d = decide_webhook(f, Status::shipped, rng);
  CHECK_FALSE((d.silent || d.dropped || d.duplicate || d.reorder));
  f.drop_probability = 1.0;
  CHECK(decide_webhook(f, Status::shipped, rng).dropped);
  f.drop_probability = 0.0;
  f.duplicate_probability = 1.0;
  f.reorder_probability = 1.0;
  d = decide_webhook(f, Status::shipped, rng);
  CHECK(d.duplicate);
  CHECK(d.reorder);
}

TEST_CASE("the same seed draws the same faults", "[unit][faults]") {
  SeededRandom a(42), b(42), c(43);
  std::vector<double> xa, xb, xc;
  for (int i = 0; i < 5; ++i) {
    xa.push_back(a.uniform());
    xb.push_back(b.uniform());
    xc.push_back(c.uniform());
  }
  CHECK(xa == xb);
  CHECK(xa != xc);
  for (double x : xa) CHECK((x >= 0.0 && x < 1.0));
}

TEST_CASE("stats serialise every counter", "[unit][stats]") {
  Stats s;
  s.orders_created = 3;
  s.placement_requests["created"] = 3;
  s.webhooks.responses["503"] = 2;
  auto doc = parse(s.to_json());
  CHECK(doc["orders_created"].GetUint64() == 3);
  CHECK(doc["placement_requests"]["created"].GetUint64() == 3);
  CHECK(doc["webhooks"]["responses"]["503"].GetUint64() == 2);
  CHECK(doc["webhooks"].HasMember("silent"));
}
