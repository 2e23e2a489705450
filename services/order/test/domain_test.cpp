// Unit tests of the pure order domain: the whole (state x input) table of the
// state machine, the events each transition emits (validated against
// proto-schemas/), request validation, order numbers, permissions, list
// queries, deterministic ids and the JSON round trip.
#include "domain/ids.hpp"
#include "domain/list_query.hpp"
#include "domain/order_number.hpp"
#include "domain/permissions.hpp"
#include "domain/state.hpp"
#include "domain/state_machine.hpp"
#include "domain/validation.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/schema_registry.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace caas;
using namespace caas::order;

namespace {

const char* kNow = "2026-03-01T10:00:00.000Z";

const events::SchemaRegistry& schemas() {
  static events::SchemaRegistry r(CAAS_SCHEMA_DIR);
  return r;
}

Sale sample_sale() {
  Sale s;
  s.customer_id = "CUST-1";
  s.dealership_id = "DEALER-1";
  s.vehicle_specification = {"EV-PLATFORM-A", {"SNOW_MODE", "TOW_HITCH"}, "RED", "BLACK_LEATHER"};
  s.delivery_address = {"Calle Mayor 1", "Madrid", "28013", "ES"};
  s.plan_comercial = {true, 5, {"PREMIUM_AUDIO"}};
  s.reservation_amount = Money{50000, "EUR"};
  return s;
}

Context ctx(const std::string& event_id = "evt-1", const std::string& type = "order.cancel", std::string now = kNow) {
  Context c;
  c.order_id = "order-1";
  c.cause = Cause{event_id, type, Actor{"dealer", "DEALER-1"}, "corr-1"};
  c.now = std::move(now);
  c.policy.payment_deadline = std::chrono::seconds(30);
  return c;
}

/// An order sitting in `s`, with the data that state implies.
Order order_in(State s) {
  Order o;
  o.id = "order-1";
  o.order_number = "ORD-2026-00000001";
  o.state = s;
  o.sale = sample_sale();
  o.created_by = {"dealer", "DEALER-1"};
  o.created_at = o.updated_at = "2026-02-01T10:00:00.000Z";
  o.version = 3;
  if (factory_rank(s) || s == State::ready_for_delivery || s == State::registered || s == State::delivered ||
      s == State::unassigned) {
    o.factory.factory_order_id = "FAC-1";
  }
  if (s == State::arrived_at_dealership) o.payment_deadline = "2026-02-28T10:00:00.000Z";
  if (s == State::registered || s == State::delivered) o.vin = "VSSZZZ6JZ9R056308";
  return o;
}

FactoryStatusChanged status(State target, bool applied = true) {
  return FactoryStatusChanged{
      "FAC-1", std::string(to_string(target)), "", "2026-02-20T10:00:00Z", "webhook", applied, "", "", ""};
}

std::vector<std::pair<std::string, Input>> inputs_for_table() {
  Payment pay{"PAY-1", Money{1000, "EUR"}, kNow, {"dealer", "DEALER-1"}};
  std::vector<std::pair<std::string, Input>> v{
      {"register-sale", RegisterSale{sample_sale(), "ORD-2026-00000002"}},
      {"reservation-payment", ConfirmReservationPayment{pay}},
      {"final-payment", ConfirmFinalPayment{pay}},
      {"register-vehicle", RegisterVehicle{"VSSZZZ6JZ9R056308", "1234-ABC", kNow}},
      {"handover", Handover{"", kNow}},
      {"cancel", Cancel{"customer withdrew"}},
      {"expire-payment-deadline", ExpirePaymentDeadline{"2026-02-28T10:00:00.000Z"}},
      {"order-placed", FactoryOrderPlaced{"FAC-NEW", "ORDERED", "2026-06-01", "Martorell", kNow}},
      {"order-rejected", FactoryOrderRejected{400, "INVALID_SPECIFICATION", "bad option", "initial_options", kNow}},
      {"submission-failed", FactorySubmissionFailed{"server_error", "503 x5", false, "TCK-1", kNow}},
      {"discrepancy-found", FactoryDiscrepancyFound{"FAC-1", "ORDERED", "SHIPPED", "poll", "corrected", "", kNow}},
      {"late-status", status(State::shipped, false)}};
  for (auto t : kAllStates) {
    if (factory_rank(t)) v.emplace_back("status-" + std::string(to_string(t)), status(t));
  }
  return v;
}

// The oracle: DESIGN.md §1 + the issue-4 contract, written as data.
// nullopt = refused; a State = applied and now in that state (same state = recorded only).
std::optional<State> expected(State s, const std::string& input) {
  using S = State;
  const auto rank = factory_rank(s);
  const bool post_arrival = s == S::ready_for_delivery || s == S::registered || s == S::delivered || s == S::unassigned;
  if (input == "register-sale") return std::nullopt;  // the order exists already
  if (input == "reservation-payment")
    return s == S::pending_reservation ? std::optional(S::pending_factory_submission) : std::nullopt;
  if (input == "final-payment")
    return s == S::arrived_at_dealership ? std::optional(S::ready_for_delivery) : std::nullopt;
  if (input == "register-vehicle") return s == S::ready_for_delivery ? std::optional(S::registered) : std::nullopt;
  if (input == "handover") return s == S::registered ? std::optional(S::delivered) : std::nullopt;
  if (input == "cancel") {
    return s == S::pending_reservation || s == S::pending_factory_submission || s == S::factory_submission_failed
               ? std::optional(S::cancelled)
               : std::nullopt;
  }
  if (input == "expire-payment-deadline")
    return s == S::arrived_at_dealership ? std::optional(S::unassigned) : std::nullopt;
  if (input == "order-placed") {
    return s == S::pending_factory_submission || s == S::factory_submission_failed ? std::optional(S::ordered)
                                                                                   : std::nullopt;
  }
  if (input == "order-rejected" || input == "submission-failed") {
    return s == S::pending_factory_submission || s == S::factory_submission_failed
               ? std::optional(S::factory_submission_failed)
               : std::nullopt;
  }
  if (input == "discrepancy-found" || input == "late-status") return s;  // timeline only, any state
  // status-<TARGET>, applied=true
  const auto target = *parse_state(input.substr(7));
  if (rank) {
    if (target == s) return s;
    if (*factory_rank(target) > *rank) return target;
    if (s == S::quality_check && target == S::in_production) return target;
    return std::nullopt;
  }
  if (post_arrival && target == S::arrived_at_dealership) return s;
  return std::nullopt;
}

std::string event_types(const Applied& a) {
  std::string out;
  for (const auto& e : a.events) out += (out.empty() ? "" : ",") + e.type;
  return out;
}

}  // namespace

TEST_CASE("every (state, input) pair follows the transition table", "[domain][state-machine]") {
  int pairs = 0;
  for (auto s : kAllStates) {
    for (const auto& [name, input] : inputs_for_table()) {
      ++pairs;
      INFO("state " << to_string(s) << " input " << name);
      const auto before = order_in(s);
      const auto out = decide(before, input, ctx("evt-" + name));
      const auto want = expected(s, name);
      if (!want) {
        REQUIRE(std::holds_alternative<Refused>(out));
        const auto& r = std::get<Refused>(out);
        CHECK(r.current_state == s);
        CHECK(!r.message.empty());
        if (name != "register-sale" && name != "handover") {
          CHECK(r.message.find(std::string(to_string(s))) != std::string::npos);  // says where the order is
        }
        continue;
      }
      REQUIRE(std::holds_alternative<Applied>(out));
      const auto& a = std::get<Applied>(out);
      CHECK(a.order.state == *want);
      CHECK(a.order.version == before.version + 1);
      CHECK(a.order.updated_at == kNow);
      CHECK(a.order.applied_inputs.back() == "evt-" + name);
      REQUIRE(a.order.timeline.size() == before.timeline.size() + 1);
      const auto& entry = a.order.timeline.back();
      CHECK(entry.at == kNow);
      CHECK(entry.cause.event_id == "evt-" + name);
      CHECK(a.order.sale == before.sale);  // the vehicle specification never changes
      if (*want != s) {
        CHECK(a.from == s);
        CHECK(a.to == *want);
        CHECK(entry.from_state == to_string(s));
        CHECK(entry.to_state == to_string(*want));
        bool has_status_changed = false;
        for (const auto& ev : a.events) has_status_changed |= ev.type == "order.status-changed";
        CHECK(has_status_changed);
      } else {
        CHECK_FALSE(a.from);
        CHECK(a.events.empty());
        CHECK(entry.from_state.empty());
      }
      for (const auto& ev : a.events) {
        INFO(ev.type << " " << ev.data);
        auto doc = events::parse_strict_json(ev.data);
        REQUIRE(doc);
        CHECK(schemas().validate(ev.type, doc.value()));
      }
    }
  }
  CHECK(pairs == 15 * 19);
}

TEST_CASE("register-sale creates the order in PENDING_RESERVATION with order.created", "[domain]") {
  auto c = ctx("cmd-1", "order.register-sale");
  auto out = decide(std::nullopt, RegisterSale{sample_sale(), "ORD-2026-03000001"}, c);
  REQUIRE(std::holds_alternative<Applied>(out));
  const auto& a = std::get<Applied>(out);
  CHECK(a.order.id == "order-1");
  CHECK(a.order.state == State::pending_reservation);
  CHECK(a.order.order_number == "ORD-2026-03000001");
  CHECK(a.order.created_by == Actor{"dealer", "DEALER-1"});
  CHECK(event_types(a) == "order.created");
  CHECK(a.order.timeline.at(0).event == "sale_registered");
  CHECK(a.order.timeline.at(0).cause.actor.subject == "DEALER-1");
  auto doc = events::parse_strict_json(a.events[0].data);
  REQUIRE(doc);
  CHECK(schemas().validate("order.created", doc.value()));
  // Unknown order for any other input: not_found.
  auto missing = decide(std::nullopt, Cancel{"x"}, c);
  REQUIRE(std::holds_alternative<Refused>(missing));
  CHECK(std::get<Refused>(missing).kind == RefusalKind::not_found);
  auto factory_missing = decide(std::nullopt, status(State::shipped), c);
  CHECK(std::get<Refused>(factory_missing).kind == RefusalKind::not_found);
}

TEST_CASE("reservation payment emits reservation-paid, status-changed and factory.place-order", "[domain]") {
  auto out =
      decide(order_in(State::pending_reservation),
             ConfirmReservationPayment{Payment{"PAY-9", std::nullopt, kNow, {"dealer", "DEALER-1"}}}, ctx("cmd-pay"));
  const auto& a = std::get<Applied>(out);
  CHECK(event_types(a) == "order.reservation-paid,order.status-changed,factory.place-order");
  auto place = events::parse_strict_json(a.events[2].data);
  REQUIRE(place);
  CHECK(std::string((*place)["idempotency_key"].GetString()) == "order-1");
  CHECK(std::string((*place)["order_number"].GetString()) == "ORD-2026-00000001");
  CHECK_FALSE(place->HasMember("reservation_amount"));
  CHECK(a.order.reservation_payment->payment_reference == "PAY-9");
}

TEST_CASE("illegal commands explain why and name the current state", "[domain]") {
  auto cancel = decide(order_in(State::in_production), Cancel{"changed mind"}, ctx());
  const auto& r = std::get<Refused>(cancel);
  CHECK(r.kind == RefusalKind::illegal_transition);
  CHECK(r.current_state == State::in_production);
  CHECK(r.message.find("PENDING_RESERVATION, PENDING_FACTORY_SUBMISSION or FACTORY_SUBMISSION_FAILED") !=
        std::string::npos);
  CHECK(r.message.find("already placed with the Factory") != std::string::npos);
  auto pay = decide(order_in(State::shipped), ConfirmFinalPayment{}, ctx());
  CHECK(std::get<Refused>(pay).message ==
        "cannot confirm the final payment: the order is SHIPPED and must be ARRIVED_AT_DEALERSHIP");
}

TEST_CASE("factory status semantics: forward jumps, QC rework, late statuses, wrong factory order", "[domain]") {
  // A jump over missed statuses is applied (the Factory is the authority).
  auto jump = decide(order_in(State::ordered), status(State::shipped), ctx("f-1", "factory.status-changed"));
  CHECK(std::get<Applied>(jump).order.state == State::shipped);
  CHECK(std::get<Applied>(jump).order.factory.status_history.size() == 1);
  // Rework is the one backward move; it is not a customer milestone.
  auto rework = decide(order_in(State::quality_check), status(State::in_production), ctx("f-2"));
  const auto& ra = std::get<Applied>(rework);
  CHECK(ra.order.state == State::in_production);
  auto sc = events::parse_strict_json(ra.events.at(0).data);
  CHECK_FALSE((*sc)["customer_milestone"].GetBool());
  // applied=false: history + timeline (applied=false), never a state change.
  auto late = decide(order_in(State::shipped), status(State::in_production, false), ctx("f-3"));
  const auto& la = std::get<Applied>(late);
  CHECK(la.order.state == State::shipped);
  CHECK_FALSE(la.order.timeline.back().applied);
  CHECK_FALSE(la.order.factory.status_history.back().applied);
  // Another factory order id is a mismatch, not applied.
  auto other = status(State::shipped);
  other.factory_order_id = "FAC-OTHER";
  CHECK(std::get<Refused>(decide(order_in(State::ordered), other, ctx())).kind == RefusalKind::mismatch);
  // Arrival sets the payment deadline: now + policy.
  auto arrived = decide(order_in(State::shipped), status(State::arrived_at_dealership), ctx("f-4"));
  CHECK(std::get<Applied>(arrived).order.payment_deadline == "2026-03-01T10:00:30.000Z");
  // ... and the event carries it, for the customer's payment reminder.
  auto arrival_event = events::parse_strict_json(std::get<Applied>(arrived).events.at(0).data);
  CHECK(std::string((*arrival_event)["payment_deadline"].GetString()) == "2026-03-01T10:00:30.000Z");
  auto shipped_event = events::parse_strict_json(std::get<Applied>(jump).events.at(0).data);
  CHECK_FALSE(shipped_event->HasMember("payment_deadline"));
}

TEST_CASE("payment deadline expiry needs the order's deadline and a time past it", "[domain]") {
  auto o = order_in(State::arrived_at_dealership);
  auto early = decide(o, ExpirePaymentDeadline{o.payment_deadline},
                      ctx("x", "order.expire-payment-deadline", "2026-02-28T09:59:59.000Z"));
  CHECK(std::get<Refused>(early).kind == RefusalKind::illegal_transition);
  auto wrong = decide(o, ExpirePaymentDeadline{"2026-01-01T00:00:00.000Z"}, ctx());
  CHECK(std::get<Refused>(wrong).kind == RefusalKind::mismatch);
  auto due = decide(o, ExpirePaymentDeadline{o.payment_deadline}, ctx("x2"));
  const auto& a = std::get<Applied>(due);
  CHECK(a.order.state == State::unassigned);
  CHECK(a.order.payment_deadline.empty());
  CHECK(event_types(a) == "order.status-changed,order.unassigned");
  CHECK(a.order.timeline.back().description.find("sin asignar") != std::string::npos);
}

TEST_CASE("handover checks the VIN and emits the VIN-customer link", "[domain]") {
  auto o = order_in(State::registered);
  CHECK(std::get<Refused>(decide(o, Handover{"WVWZZZ1JZXW000001", kNow}, ctx())).kind == RefusalKind::mismatch);
  auto ok = decide(o, Handover{o.vin, kNow}, ctx("h1", "order.handover"));
  const auto& a = std::get<Applied>(ok);
  CHECK(event_types(a) == "order.status-changed,order.delivered");
  auto d = events::parse_strict_json(a.events[1].data);
  CHECK(std::string((*d)["vin"].GetString()) == o.vin);
  CHECK(std::string((*d)["customer_id"].GetString()) == "CUST-1");
}

TEST_CASE("an input already applied is a duplicate", "[domain]") {
  auto o = order_in(State::pending_reservation);
  o.applied_inputs.push_back("evt-dup");
  auto out = decide(o, ConfirmReservationPayment{}, ctx("evt-dup"));
  CHECK(std::get<Refused>(out).kind == RefusalKind::duplicate);
}

TEST_CASE("customer milestones are the documented list", "[domain]") {
  std::set<State> milestones;
  for (auto s : kAllStates) {
    if (is_customer_milestone(State::ordered, s)) milestones.insert(s);
  }
  CHECK(milestones == std::set<State>{State::ordered, State::in_production, State::assembly_complete,
                                      State::ready_for_shipment, State::shipped, State::arrived_at_dealership,
                                      State::ready_for_delivery, State::registered, State::delivered,
                                      State::factory_submission_failed, State::unassigned});
  CHECK_FALSE(is_customer_milestone(State::quality_check, State::in_production));
}

TEST_CASE("order JSON survives the storage round trip field by field", "[domain]") {
  auto o = order_in(State::pending_reservation);
  for (const auto& [name, input] : std::vector<std::pair<std::string, Input>>{
           {"pay", ConfirmReservationPayment{Payment{"P", Money{1, "EUR"}, kNow, {"dealer", "D"}}}},
           {"placed", FactoryOrderPlaced{"FAC-9", "ORDERED", "2026-06-01", "Martorell", kNow}},
           {"late", FactoryStatusChanged{"FAC-9", "ORDERED", "", kNow, "poll", false, "n", "l", ""}}}) {
    o = std::get<Applied>(decide(o, input, ctx(name))).order;
  }
  auto back = order_from_json(to_json(o, JsonView::storage));
  REQUIRE(back);
  CHECK(back.value() == o);
  CHECK(to_json(o, JsonView::api).find("applied_inputs") == std::string::npos);
}

TEST_CASE("sale validation names the field", "[domain][validation]") {
  const std::string good =
      R"({"customer_id":"C1","dealership_id":"D1","vehicle_specification":{"platform_base":"EV","initial_options":["SNOW_MODE"],"color":"RED","interior":"BLACK"},"delivery_address":{"street":"S","city":"M","postal_code":"28013","country":"ES"},"plan_comercial":{"maintenance_included":true,"warranty_years":5,"opciones_permanentes":[]}})";
  REQUIRE(std::holds_alternative<Sale>(validate_sale(good)));
  auto field_of = [](const std::string& body) {
    auto v = validate_sale(body);
    return std::holds_alternative<FieldError>(v) ? std::get<FieldError>(v).field : std::string("<valid>");
  };
  auto with = [&good](const std::string& from, const std::string& to) {
    auto s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  CHECK(field_of("not json") == "body");
  CHECK(field_of("[]") == "body");
  CHECK(field_of(with(R"("customer_id":"C1",)", "")) == "customer_id");
  CHECK(field_of(with(R"("customer_id":"C1")", R"("customer_id":"  ")")) == "customer_id");
  CHECK(field_of(with(R"("color":"RED")", R"("color":7)")) == "vehicle_specification.color");
  CHECK(field_of(with(R"(["SNOW_MODE"])", R"(["snow"])")) == "vehicle_specification.initial_options");
  CHECK(field_of(with(R"(["SNOW_MODE"])", R"(["A","A"])")) == "vehicle_specification.initial_options");
  CHECK(field_of(with(R"("country":"ES")", R"("country":"Spain")")) == "delivery_address.country");
  CHECK(field_of(with(R"("warranty_years":5)", R"("warranty_years":31)")) == "plan_comercial.warranty_years");
  CHECK(field_of(with(R"("maintenance_included":true)", R"("maintenance_included":"yes")")) ==
        "plan_comercial.maintenance_included");
  CHECK(field_of(with(R"("dealership_id":"D1")", R"("dealership_id":"D1","price":3)")) == "price");
  CHECK(field_of(with(R"("dealership_id":"D1")",
                      R"("dealership_id":"D1","reservation_amount":{"amount_cents":1,"currency":"eur"})")) ==
        "reservation_amount.currency");
  CHECK(field_of(with(R"("plan_comercial":{)", R"("plan_comercial":{"x":1,)")) == "plan_comercial.x");

  CHECK(std::holds_alternative<FieldError>(
      validate_registration(R"({"vin":"VSSZZZ6JZ9R05630I","registration_plate":"1"})", kNow)));
  CHECK(std::get<FieldError>(validate_registration(R"({"vin":"VSSZZZ6JZ9R056308"})", kNow)).field ==
        "registration_plate");
  CHECK(std::get<PaymentRequest>(validate_payment(R"({"payment_reference":"P"})", kNow)).paid_at == kNow);
  CHECK(std::get<FieldError>(validate_payment(R"({"payment_reference":"P","paid_at":"yesterday"})", kNow)).field ==
        "paid_at");
  CHECK(std::get<FieldError>(validate_cancel("{}")).field == "reason");
}

TEST_CASE("order numbers: format, parse, distinct per partition", "[domain][order-number]") {
  CHECK(format_order_number(2026, 3, 123) == "ORD-2026-03000123");
  CHECK(format_order_number(2026, 5, 1234567) == "ORD-2026-051234567");
  auto p = parse_order_number("ORD-2026-03000123");
  REQUIRE(p);
  CHECK(p->year == 2026);
  CHECK(p->partition == 3);
  CHECK(p->sequence == 123);
  CHECK_FALSE(parse_order_number("ORD-2026-3"));
  std::set<std::string> seen;
  for (int part = 0; part < 6; ++part) {
    for (std::uint64_t seq = 1; seq <= 200; ++seq) CHECK(seen.insert(format_order_number(2026, part, seq)).second);
  }
  CHECK(year_of("2026-12-31T23:59:59Z") == 2026);
}

TEST_CASE("permissions by role", "[domain][permissions]") {
  using security::Principal;
  using security::Role;
  const Principal dealer{Role::dealer, "D1"}, customer{Role::customer, "C1"}, op{Role::operator_, "ops"},
      admin{Role::admin, "root"}, sys{Role::system, "notif"};
  CHECK(authorize(dealer, Operation::register_sale, "D1", "C9") == Decision::allowed);
  CHECK(authorize(dealer, Operation::register_sale, "D2", "C9") == Decision::forbidden);
  CHECK(authorize(dealer, Operation::update, "D2", "C1") == Decision::forbidden);
  CHECK(authorize(dealer, Operation::read, "D2", "C1") == Decision::forbidden);
  CHECK(authorize(customer, Operation::read, "D1", "C1") == Decision::allowed);
  CHECK(authorize(customer, Operation::read, "D1", "C2") == Decision::forbidden);
  CHECK(authorize(customer, Operation::update, "D1", "C1") == Decision::forbidden);
  CHECK(authorize(op, Operation::update, "D1", "C1") == Decision::allowed);
  CHECK(authorize(op, Operation::register_sale, "D1", "C1") == Decision::forbidden);
  CHECK(authorize(admin, Operation::register_sale, "D1", "C1") == Decision::allowed);
  CHECK(authorize(sys, Operation::read, "D1", "C1") == Decision::allowed);
  CHECK(authorize(sys, Operation::update, "D1", "C1") == Decision::forbidden);
  CHECK(list_scope(dealer).dealership_id == "D1");
  CHECK(list_scope(customer).customer_id == "C1");
  CHECK(list_scope(admin).dealership_id.empty());
}

TEST_CASE("list queries filter, sort and paginate", "[domain][list]") {
  std::vector<Order> orders;
  for (int i = 0; i < 25; ++i) {
    auto o = order_in(i % 2 ? State::ordered : State::pending_reservation);
    o.id = "id-" + std::to_string(100 + i);
    o.order_number = format_order_number(2026, 0, static_cast<std::uint64_t>(i + 1));
    o.created_at = "2026-01-" + std::string(i + 1 < 10 ? "0" : "") + std::to_string(i + 1) + "T10:00:00.000Z";
    o.sale.dealership_id = i % 3 ? "D1" : "D2";
    orders.push_back(o);
  }
  auto q = std::get<ListQuery>(parse_list_query({{"status", "ORDERED"}, {"limit", "5"}, {"sort", "order_number"}}));
  auto page = select_page(q, orders);
  CHECK(page.total == 12);
  REQUIRE(page.orders.size() == 5);
  CHECK(page.orders[0].order_number == format_order_number(2026, 0, 2));
  q.offset = 10;
  CHECK(select_page(q, orders).orders.size() == 2);
  auto range = std::get<ListQuery>(parse_list_query({{"created_from", "2026-01-05"}, {"created_to", "2026-01-07"}}));
  CHECK(select_page(range, orders).total == 3);
  auto newest = std::get<ListQuery>(parse_list_query({{"dealership_id", "D2"}}));
  auto np = select_page(newest, orders);
  CHECK(np.total == 9);
  CHECK(np.orders.front().created_at > np.orders.back().created_at);  // default -created_at
  CHECK(std::get<FieldError>(parse_list_query({{"limit", "101"}})).field == "limit");
  CHECK(std::get<FieldError>(parse_list_query({{"limit", "0"}})).field == "limit");
  CHECK(std::get<FieldError>(parse_list_query({{"status", "LOST"}})).field == "status");
  CHECK(std::get<FieldError>(parse_list_query({{"sort", "price"}})).field == "sort");
  CHECK(std::get<FieldError>(parse_list_query({{"colour", "red"}})).field == "colour");
  auto json = page_to_json(q, page);
  CHECK(json.find("\"total\":12") != std::string::npos);
}

TEST_CASE("derived event ids are deterministic UUIDs", "[domain][ids]") {
  const auto a = derive_event_id("cmd-1", "order.created");
  CHECK(a == derive_event_id("cmd-1", "order.created"));
  CHECK(a != derive_event_id("cmd-1", "order.status-changed"));
  CHECK(a != derive_event_id("cmd-2", "order.created"));
  REQUIRE(a.size() == 36);
  CHECK(a[14] == '8');
  CHECK(a[8] == '-');
  // Ids already on the topics must not change (computed independently from SHA-256).
  CHECK(a == "f50b1a5f-03ba-8505-8858-6b2b6987ff5a");
}

TEST_CASE("state names: the schema's list, the Factory's run shared with caas::events", "[domain][state]") {
  const std::vector<std::string> names{"PENDING_RESERVATION",
                                       "PENDING_FACTORY_SUBMISSION",
                                       "FACTORY_SUBMISSION_FAILED",
                                       "ORDERED",
                                       "IN_PRODUCTION",
                                       "ASSEMBLY_COMPLETE",
                                       "QUALITY_CHECK",
                                       "READY_FOR_SHIPMENT",
                                       "SHIPPED",
                                       "ARRIVED_AT_DEALERSHIP",
                                       "READY_FOR_DELIVERY",
                                       "REGISTERED",
                                       "DELIVERED",
                                       "UNASSIGNED",
                                       "CANCELLED"};
  REQUIRE(names.size() == kAllStates.size());
  for (std::size_t i = 0; i < kAllStates.size(); ++i) {
    const State s = kAllStates[i];
    CHECK(to_string(s) == names[i]);
    CHECK(parse_state(names[i]) == s);
    if (auto f = as_factory_status(s)) {
      CHECK(events::to_string(*f) == to_string(s));
      CHECK(from_factory_status(*f) == s);
      CHECK(factory_rank(s) == events::rank(*f));
    } else {
      CHECK_FALSE(factory_rank(s));
    }
  }
  CHECK_FALSE(parse_state("ordered"));
  CHECK_FALSE(parse_state(""));
}
