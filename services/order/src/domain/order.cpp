#include "domain/order.hpp"

#include "domain/json_util.hpp"

#include <caas/events/json.hpp>

#include <system_error>

namespace caas::order {

void write_actor(json::Writer& w, const Actor& a) {
  w.begin_object().field("role", a.role).field("subject", a.subject).end_object();
}

void write_money(json::Writer& w, const Money& m) {
  w.begin_object().field("amount_cents", m.amount_cents).field("currency", m.currency).end_object();
}

void write_sale_fields(json::Writer& w, const Sale& s, bool with_reservation_amount) {
  w.field("customer_id", s.customer_id).field("dealership_id", s.dealership_id);
  const auto& v = s.vehicle_specification;
  w.key("vehicle_specification").begin_object().field("platform_base", v.platform_base);
  w.string_array("initial_options", v.initial_options).field("color", v.color).field("interior", v.interior);
  w.end_object();
  const auto& a = s.delivery_address;
  w.key("delivery_address").begin_object().field("street", a.street).field("city", a.city);
  w.field("postal_code", a.postal_code).field("country", a.country).end_object();
  const auto& p = s.plan_comercial;
  w.key("plan_comercial").begin_object().field("maintenance_included", p.maintenance_included);
  w.field("warranty_years", p.warranty_years).string_array("opciones_permanentes", p.opciones_permanentes);
  w.end_object();
  if (with_reservation_amount && s.reservation_amount) {
    w.key("reservation_amount");
    write_money(w, *s.reservation_amount);
  }
}

Actor read_actor(const rapidjson::Value& v) {
  return {json::str(v, "role"), json::str(v, "subject")};
}

std::optional<Money> read_money(const rapidjson::Value* v) {
  if (!v || !v->IsObject()) return std::nullopt;
  return Money{json::int64(*v, "amount_cents").value_or(0), json::str(*v, "currency")};
}

Sale read_sale(const rapidjson::Value& v) {
  Sale s;
  s.customer_id = json::str(v, "customer_id");
  s.dealership_id = json::str(v, "dealership_id");
  if (const auto* spec = json::member(v, "vehicle_specification")) {
    s.vehicle_specification = {json::str(*spec, "platform_base"), json::strings(*spec, "initial_options"),
                               json::str(*spec, "color"), json::str(*spec, "interior")};
  }
  if (const auto* a = json::member(v, "delivery_address")) {
    s.delivery_address = {json::str(*a, "street"), json::str(*a, "city"), json::str(*a, "postal_code"),
                          json::str(*a, "country")};
  }
  if (const auto* p = json::member(v, "plan_comercial")) {
    s.plan_comercial = {json::boolean(*p, "maintenance_included"), json::int64(*p, "warranty_years").value_or(0),
                        json::strings(*p, "opciones_permanentes")};
  }
  s.reservation_amount = read_money(json::member(v, "reservation_amount"));
  return s;
}

namespace {

void write_payment(json::Writer& w, std::string_view key, const std::optional<Payment>& p) {
  w.key(key);
  if (!p) {
    w.null();
    return;
  }
  w.begin_object().field("payment_reference", p->payment_reference);
  if (p->amount) {
    w.key("amount");
    write_money(w, *p->amount);
  }
  w.field("paid_at", p->paid_at).key("recorded_by");
  write_actor(w, p->recorded_by);
  w.end_object();
}

std::optional<Payment> read_payment(const rapidjson::Value* v) {
  if (!v || !v->IsObject()) return std::nullopt;
  Payment p;
  p.payment_reference = json::str(*v, "payment_reference");
  p.amount = read_money(json::member(*v, "amount"));
  p.paid_at = json::str(*v, "paid_at");
  if (const auto* by = json::member(*v, "recorded_by")) p.recorded_by = read_actor(*by);
  return p;
}

void write_cause(json::Writer& w, const Cause& c) {
  w.begin_object().field("event_id", c.event_id).field("event_type", c.event_type);
  if (!c.actor.role.empty()) {
    w.key("actor");
    write_actor(w, c.actor);
  }
  w.field_if("correlation_id", c.correlation_id).end_object();
}

Cause read_cause(const rapidjson::Value& v) {
  Cause c{json::str(v, "event_id"), json::str(v, "event_type"), {}, json::str(v, "correlation_id")};
  if (const auto* a = json::member(v, "actor")) c.actor = read_actor(*a);
  return c;
}

void write_factory(json::Writer& w, const FactoryData& f) {
  w.key("factory").begin_object();
  w.field_or_null("factory_order_id", f.factory_order_id);
  w.field_or_null("estimated_delivery_date", f.estimated_delivery_date);
  w.field_or_null("manufacturing_location", f.manufacturing_location);
  w.field_or_null("status", f.status).field_or_null("status_at", f.status_at);
  w.key("last_failure");
  if (f.last_failure) {
    const auto& x = *f.last_failure;
    w.begin_object().field("kind", x.kind).field("error", x.error).field("message", x.message);
    w.field("critical", x.critical).field_or_null("ticket_id", x.ticket_id).field("at", x.at).end_object();
  } else {
    w.null();
  }
  w.key("status_history").begin_array();
  for (const auto& h : f.status_history) {
    w.begin_object().field("status", h.status).field_or_null("previous_status", h.previous_status);
    w.field("timestamp", h.timestamp).field("source", h.source).field("applied", h.applied);
    w.field_if("notes", h.notes).field_if("location", h.location).field("event_id", h.event_id).end_object();
  }
  w.end_array().end_object();
}

FactoryData read_factory(const rapidjson::Value& v) {
  FactoryData f;
  f.factory_order_id = json::str(v, "factory_order_id");
  f.estimated_delivery_date = json::str(v, "estimated_delivery_date");
  f.manufacturing_location = json::str(v, "manufacturing_location");
  f.status = json::str(v, "status");
  f.status_at = json::str(v, "status_at");
  if (const auto* x = json::member(v, "last_failure"); x && x->IsObject()) {
    f.last_failure = FactoryFailure{json::str(*x, "kind"),         json::str(*x, "error"),     json::str(*x, "message"),
                                    json::boolean(*x, "critical"), json::str(*x, "ticket_id"), json::str(*x, "at")};
  }
  if (const auto* hist = json::member(v, "status_history"); hist && hist->IsArray()) {
    for (const auto& h : hist->GetArray()) {
      f.status_history.push_back({json::str(h, "status"), json::str(h, "previous_status"), json::str(h, "timestamp"),
                                  json::str(h, "source"), json::boolean(h, "applied", true), json::str(h, "notes"),
                                  json::str(h, "location"), json::str(h, "event_id")});
    }
  }
  return f;
}

}  // namespace

std::string to_json(const Order& o, JsonView view) {
  json::Writer w;
  w.begin_object().field("id", o.id).field("order_number", o.order_number).field("state", to_string(o.state));
  write_sale_fields(w, o.sale);
  w.key("created_by");
  write_actor(w, o.created_by);
  w.field("created_at", o.created_at).field("updated_at", o.updated_at).field("version", o.version);
  write_payment(w, "reservation_payment", o.reservation_payment);
  write_payment(w, "final_payment", o.final_payment);
  write_factory(w, o.factory);
  w.field_or_null("payment_deadline", o.payment_deadline);
  w.field_or_null("vin", o.vin).field_or_null("registration_plate", o.registration_plate);
  w.field_or_null("registered_at", o.registered_at).field_or_null("delivered_at", o.delivered_at);
  w.key("cancellation");
  if (o.cancellation) {
    w.begin_object().field("reason", o.cancellation->reason).key("cancelled_by");
    write_actor(w, o.cancellation->cancelled_by);
    w.field("cancelled_at", o.cancellation->cancelled_at).end_object();
  } else {
    w.null();
  }
  w.field_or_null("unassigned_at", o.unassigned_at);
  w.key("timeline").begin_array();
  for (const auto& t : o.timeline) {
    w.begin_object().field("at", t.at).field("event", t.event).field("description", t.description);
    w.field_or_null("from_state", t.from_state).field_or_null("to_state", t.to_state).field("applied", t.applied);
    w.key("caused_by");
    write_cause(w, t.cause);
    w.end_object();
  }
  w.end_array();
  if (view == JsonView::storage) w.string_array("applied_inputs", o.applied_inputs);
  w.end_object();
  return w.str();
}

Result<Order> order_from_json(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc) return doc.error();
  const auto& v = doc.value();
  auto state = parse_state(json::str(v, "state"));
  if (!v.IsObject() || !state) {
    return Error{std::make_error_code(std::errc::invalid_argument), "stored order is not an order document"};
  }
  Order o;
  o.id = json::str(v, "id");
  o.order_number = json::str(v, "order_number");
  o.state = *state;
  o.sale = read_sale(v);
  if (const auto* by = json::member(v, "created_by")) o.created_by = read_actor(*by);
  o.created_at = json::str(v, "created_at");
  o.updated_at = json::str(v, "updated_at");
  o.version = json::int64(v, "version").value_or(0);
  o.reservation_payment = read_payment(json::member(v, "reservation_payment"));
  o.final_payment = read_payment(json::member(v, "final_payment"));
  if (const auto* f = json::member(v, "factory")) o.factory = read_factory(*f);
  o.payment_deadline = json::str(v, "payment_deadline");
  o.vin = json::str(v, "vin");
  o.registration_plate = json::str(v, "registration_plate");
  o.registered_at = json::str(v, "registered_at");
  o.delivered_at = json::str(v, "delivered_at");
  if (const auto* c = json::member(v, "cancellation"); c && c->IsObject()) {
    const auto* by = json::member(*c, "cancelled_by");
    o.cancellation =
        Cancellation{json::str(*c, "reason"), by ? read_actor(*by) : Actor{}, json::str(*c, "cancelled_at")};
  }
  o.unassigned_at = json::str(v, "unassigned_at");
  if (const auto* tl = json::member(v, "timeline"); tl && tl->IsArray()) {
    for (const auto& t : tl->GetArray()) {
      const auto* cause = json::member(t, "caused_by");
      o.timeline.push_back({json::str(t, "at"), json::str(t, "event"), json::str(t, "description"),
                            json::str(t, "from_state"), json::str(t, "to_state"), json::boolean(t, "applied", true),
                            cause ? read_cause(*cause) : Cause{}});
    }
  }
  o.applied_inputs = json::strings(v, "applied_inputs");
  return o;
}

}  // namespace caas::order
