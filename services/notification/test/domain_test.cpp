// Pure rules: which events notify, preferences, delivery records, retries,
// and the event data against the schemas.
#include "domain/catalogue.hpp"
#include "domain/delivery.hpp"
#include "domain/notification_events.hpp"
#include "domain/preferences.hpp"

#include <caas/events/json.hpp>
#include <caas/events/schema_registry.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace caas;
using namespace caas::notification;

namespace {

const events::SchemaRegistry& schemas() {
  static events::SchemaRegistry r(CAAS_SCHEMA_DIR);
  return r;
}

events::Envelope order_event(std::string type, std::string data, std::string id = "evt-1") {
  events::Envelope e;
  e.id = std::move(id);
  e.type = std::move(type);
  e.source = "caas/order";
  e.subject = "ord-1";
  e.time = "2026-11-22T10:00:00.000Z";
  e.correlationid = "corr-1";
  e.data = std::move(data);
  return e;
}

std::string status_changed(const std::string& state, bool milestone, const std::string& extra = "") {
  return R"({"order_id":"ord-1","order_number":"ORD-2026-01000001","previous_state":"ORDERED","new_state":")" + state +
         R"(","customer_id":"CUST-1","customer_milestone":)" + (milestone ? "true" : "false") +
         R"(,"reason":"factory reported","caused_by":"f-1")" + extra + "}";
}

Result<std::optional<Trigger>> trigger(const events::Envelope& e) {
  auto doc = events::parse_strict_json(e.data);
  REQUIRE(doc);
  return trigger_for(e, *doc);
}

PendingDelivery pending(int attempts = 0) {
  PendingDelivery p;
  p.seq = 7;
  p.notification_id = notification_id_for("evt-1", Channel::email);
  p.customer_id = "CUST-1";
  p.order_id = "ord-1";
  p.channel = Channel::email;
  p.type = "vehicle_shipped";
  p.variables = {{"order_number", "ORD-2026-01000001"}, {"order_id", "ord-1"}};
  p.source_event_id = "evt-1";
  p.source_event_type = "order.status-changed";
  p.source_time_ms = 1'000;
  p.created_at_ms = 1'000;
  p.attempts = attempts;
  return p;
}

}  // namespace

TEST_CASE("every customer milestone of the order maps to its notification", "[catalogue]") {
  const std::map<std::string, std::string> expected = {
      {"ORDERED", "order_confirmed"},
      {"FACTORY_SUBMISSION_FAILED", "factory_submission_delayed"},
      {"IN_PRODUCTION", "manufacturing_started"},
      {"ASSEMBLY_COMPLETE", "assembly_completed"},
      {"READY_FOR_SHIPMENT", "quality_control_completed"},
      {"SHIPPED", "vehicle_shipped"},
      {"READY_FOR_DELIVERY", "delivery_scheduled"},
      {"REGISTERED", "registration_completed"},
      {"DELIVERED", "vehicle_delivered"},
      {"UNASSIGNED", "order_unassigned"},
  };
  for (const auto& [state, type] : expected) {
    auto t = trigger(order_event("order.status-changed", status_changed(state, true)));
    REQUIRE(t);
    REQUIRE(t->has_value());
    CHECK((*t)->kind->type == type);
    CHECK((*t)->customer_id == "CUST-1");
    CHECK((*t)->variables.at("order_number") == "ORD-2026-01000001");
  }
}

TEST_CASE("arrival carries the payment deadline as a day, and fails loudly without it", "[catalogue]") {
  auto with =
      trigger(order_event("order.status-changed", status_changed("ARRIVED_AT_DEALERSHIP", true,
                                                                 R"(,"payment_deadline":"2026-12-06T10:00:00.000Z")")));
  REQUIRE(with);
  REQUIRE(with->has_value());
  CHECK((*with)->kind->type == "arrived_payment_reminder");
  CHECK((*with)->variables.at("payment_deadline") == "2026-12-06");
  auto without = trigger(order_event("order.status-changed", status_changed("ARRIVED_AT_DEALERSHIP", true)));
  REQUIRE_FALSE(without);
  CHECK(without.error().message.find("payment_deadline") != std::string::npos);
}

TEST_CASE("events that are not news to the customer trigger nothing", "[catalogue]") {
  auto not_milestone = trigger(order_event("order.status-changed", status_changed("QUALITY_CHECK", false)));
  REQUIRE(not_milestone);
  CHECK_FALSE(not_milestone->has_value());
  // The order service decides what is a milestone: a flag false is respected.
  auto rework = trigger(order_event("order.status-changed", status_changed("IN_PRODUCTION", false)));
  REQUIRE(rework);
  CHECK_FALSE(rework->has_value());
  auto created = trigger(order_event("order.created", R"({"order_id":"ord-1","customer_id":"CUST-1"})"));
  REQUIRE(created);
  CHECK_FALSE(created->has_value());
}

TEST_CASE("cancellation and delivery (with the VIN, for the car's display) notify", "[catalogue]") {
  auto cancelled = trigger(order_event(
      "order.cancelled", R"({"order_id":"ord-1","order_number":"ORD-2026-01000001","customer_id":"CUST-1"})"));
  REQUIRE(cancelled);
  REQUIRE(cancelled->has_value());
  CHECK((*cancelled)->kind->type == "order_cancelled");
  auto delivered = trigger(order_event("order.delivered", R"({"order_id":"ord-1","order_number":"ORD-2026-01000001",)"
                                                          R"("customer_id":"CUST-1","vin":"VSSZZZ5FZNR000001"})"));
  REQUIRE(delivered);
  REQUIRE(delivered->has_value());
  CHECK((*delivered)->kind->type == "vehicle_welcome");
  CHECK((*delivered)->kind->channels == std::vector<Channel>{Channel::vehicle_display});
  CHECK((*delivered)->variables.at("vin") == "VSSZZZ5FZNR000001");
}

TEST_CASE("preferences: parsing, validation and the channels they leave", "[preferences]") {
  auto ok =
      parse_preferences_request(R"({"email":"lucia@example.com","language":"en","channels":{"push":false}})", "CUST-1");
  REQUIRE(std::holds_alternative<CustomerProfile>(ok));
  const auto& p = std::get<CustomerProfile>(ok);
  CHECK(p.email == "lucia@example.com");
  CHECK(p.language == Language::en);
  CHECK(p.channels.email);
  CHECK_FALSE(p.channels.push);
  CHECK(p.channels.vehicle_display);

  auto field_of = [](std::string_view body) {
    auto r = parse_preferences_request(body, "CUST-1");
    REQUIRE(std::holds_alternative<InvalidField>(r));
    return std::get<InvalidField>(r).field;
  };
  CHECK(field_of(R"({"email":"lucia@example.com"})") == "language");
  CHECK(field_of(R"({"email":"lucia@example.com","language":"fr"})") == "language");
  CHECK(field_of(R"({"email":"not an address","language":"es"})") == "email");
  CHECK(field_of(R"({"email":"a@b.c\r\nBcc: x@y.z","language":"es"})") == "email");
  CHECK(field_of(R"({"language":"es"})") == "email");  // e-mail on but no address
  CHECK(field_of(R"({"language":"es","channels":{"fax":true}})") == "channels.fax");
  CHECK(field_of(R"({"language":"es","channels":{"push":"yes"}})") == "channels.push");
  CHECK(field_of(R"({"language":"es","phone":"1"})") == "phone");
  CHECK(field_of("not json") == "");
  // Push only, no address: fine.
  CHECK(std::holds_alternative<CustomerProfile>(
      parse_preferences_request(R"({"language":"es","channels":{"email":false}})", "CUST-1")));

  const auto& shipped = *find_kind("vehicle_shipped");
  const std::vector<Channel> all{Channel::email, Channel::push, Channel::vehicle_display};
  CHECK(channels_for(shipped, std::nullopt, all) == std::vector<Channel>{Channel::email, Channel::push});
  CHECK(channels_for(shipped, p, all) == std::vector<Channel>{Channel::email});
  CHECK(channels_for(shipped, std::nullopt, {Channel::push}) == std::vector<Channel>{Channel::push});
  CHECK(channels_for(*find_kind("vehicle_welcome"), std::nullopt, {Channel::email}).empty());
}

TEST_CASE("a profile survives its JSON (stored form and event data)", "[preferences]") {
  CustomerProfile p;
  p.customer_id = "CUST-1";
  p.email = "lucia@example.com";
  p.language = Language::en;
  p.channels.push = false;
  p.updated_at = "2026-11-22T10:00:00.000Z";
  p.updated_by_role = "customer";
  p.updated_by_subject = "CUST-1";
  const auto text = profile_json(p);
  CHECK(schemas().validate_json("notification.preferences-updated", text));
  auto back = profile_from_json(text);
  REQUIRE(back);
  CHECK(back->email == p.email);
  CHECK(back->language == Language::en);
  CHECK_FALSE(back->channels.push);
  CHECK(back->channels.email);
  CHECK(back->updated_at == p.updated_at);
}

TEST_CASE("notification ids are stable per (source event, channel) and distinct otherwise", "[delivery]") {
  CHECK(notification_id_for("evt-1", Channel::email) == notification_id_for("evt-1", Channel::email));
  std::set<std::string> ids;
  for (auto c : kAllChannels) {
    ids.insert(notification_id_for("evt-1", c));
    ids.insert(notification_id_for("evt-2", c));
  }
  CHECK(ids.size() == 6);
}

TEST_CASE("pending deliveries and history records survive their encoding", "[delivery]") {
  auto p = pending(2);
  p.source_value = R"({"specversion":"1.0","data":{"note":"ñ \"quoted\""}})";
  p.last_error = "http_503: down";
  auto back = decode_pending(encode(p));
  REQUIRE(back);
  CHECK(back->seq == 7);
  CHECK(back->notification_id == p.notification_id);
  CHECK(back->variables == p.variables);
  CHECK(back->source_value == p.source_value);
  CHECK(back->attempts == 2);
  CHECK(back->last_error == p.last_error);
  auto r = record_of(p, "2026-11-22T10:00:00.000Z");
  r.status = DeliveryStatus::failed;
  r.error_code = "smtp_550";
  auto rb = decode_record(encode(r));
  REQUIRE(rb);
  CHECK(rb->status == DeliveryStatus::failed);
  CHECK(rb->error_code == "smtp_550");
  CHECK(rb->type == "vehicle_shipped");
  CHECK_FALSE(decode_pending("{}"));
  CHECK_FALSE(decode_record("nope"));
}

TEST_CASE("retry rules: backoff, budget, permanent failures and the wait for an address", "[delivery]") {
  RetryRules rules;
  rules.max_attempts = 4;
  rules.initial_backoff = std::chrono::milliseconds(100);
  rules.max_backoff = std::chrono::milliseconds(250);
  rules.contact_wait = std::chrono::milliseconds(10'000);
  rules.contact_recheck = std::chrono::milliseconds(500);
  using A = AttemptDecision::Action;

  auto sent = decide_after_attempt(pending(1), SendResult::accepted("250 ok"), rules, 5'000);
  CHECK(sent.action == A::sent);
  CHECK(sent.attempts == 2);

  auto first = decide_after_attempt(pending(0), SendResult::transient("http_503", "down"), rules, 5'000);
  CHECK(first.action == A::retry);
  CHECK(first.next_attempt_at_ms == 5'100);
  auto second = decide_after_attempt(pending(1), SendResult::transient("http_503", "down"), rules, 5'000);
  CHECK(second.next_attempt_at_ms == 5'200);
  auto capped = decide_after_attempt(pending(2), SendResult::transient("http_503", "down"), rules, 5'000);
  CHECK(capped.next_attempt_at_ms == 5'250);
  auto slow_down = SendResult::transient("http_429", "slow down");
  slow_down.retry_after = std::chrono::milliseconds(200);
  CHECK(decide_after_attempt(pending(0), slow_down, rules, 5'000).next_attempt_at_ms == 5'200);

  auto exhausted = decide_after_attempt(pending(3), SendResult::transient("timeout", "t"), rules, 5'000);
  CHECK(exhausted.action == A::failed);
  CHECK(exhausted.error_class == "transient-exhausted");
  CHECK(exhausted.attempts == 4);

  auto bad_address = decide_after_attempt(pending(0), SendResult::permanent("smtp_550", "no mailbox"), rules, 5'000);
  CHECK(bad_address.action == A::failed);
  CHECK(bad_address.error_class == "permanent");
  CHECK(bad_address.attempts == 1);

  auto no_contact = SendResult::transient(std::string(kNoContactAddress), "none yet");
  auto waits = decide_after_attempt(pending(0), no_contact, rules, 5'000);
  CHECK(waits.action == A::retry);
  CHECK(waits.attempts == 0);  // not an attempt
  CHECK(waits.next_attempt_at_ms == 5'500);
  auto gives_up = decide_after_attempt(pending(0), no_contact, rules, 11'001);
  CHECK(gives_up.action == A::failed);
  CHECK(gives_up.error_class == "permanent");
}

TEST_CASE("event data matches the schemas and reads back as history", "[events]") {
  auto p = pending(0);
  const auto sent = sent_data(p, {"es", 1, "250 2.0.0 OK queued", 42, "2026-11-22T10:00:00.042Z"});
  auto valid = schemas().validate_json("notification.sent", sent);
  CHECK(valid);
  if (!valid) FAIL(valid.error().message);
  const auto failed = failed_data(p, {"", "permanent", "smtp_550", "no such mailbox", 1, "2026-11-22T10:00:01Z"});
  CHECK(schemas().validate_json("notification.failed", failed));
  CHECK(schemas().validate_json("notification.suppressed-duplicate",
                                suppressed_data(p, DeliveryStatus::sent, "2026-11-22T10:00:02.000Z")));

  auto doc = events::parse_strict_json(sent);
  REQUIRE(doc);
  auto r = record_from_outcome_event("notification.sent", *doc);
  REQUIRE(r);
  CHECK(r->status == DeliveryStatus::sent);
  CHECK(r->notification_id == p.notification_id);
  CHECK(r->source_event_id == "evt-1");
  CHECK(r->language == "es");
  auto fdoc = events::parse_strict_json(failed);
  REQUIRE(fdoc);
  auto fr = record_from_outcome_event("notification.failed", *fdoc);
  REQUIRE(fr);
  CHECK(fr->status == DeliveryStatus::failed);
  CHECK(fr->error_code == "smtp_550");
  CHECK_FALSE(record_from_outcome_event("notification.suppressed-duplicate", *doc));
}

namespace {

events::Envelope ota_event(std::string type, std::string data) {
  auto e = order_event(std::move(type), std::move(data), "ota-evt-1");
  e.source = "caas/ota-engine";
  e.subject = "VSSZZZ5FZNR000001";
  return e;
}

const std::string kOtaHead =
    R"("activation_id":"act-1","vin":"VSSZZZ5FZNR000001","customer_id":"CUST-1","service_code":"PERFORMANCE_BOOST",)"
    R"("service_name":"Performance Boost","platform":"SUV_ELECTRIC_2024","attempts":2,)"
    R"("requested_at":"2026-12-02T10:00:00.000Z")";

std::string escalated(const std::string& operation, const std::string& tail = R"(,"resolution_hours":48)") {
  return "{" + kOtaHead + R"(,"operation":")" + operation +
         R"(","reason":"RETRIES_EXHAUSTED","last_error_code":null,"ticket_id":"tkt-act-1","escalated_at":)"
         R"("2026-12-02T10:05:00.000Z")" +
         tail + "}";
}

}  // namespace

TEST_CASE("OTA outcomes: activated on every channel, escalated and deactivated by e-mail and push",
          "[catalogue][ota]") {
  const std::string activated_data = "{" + kOtaHead +
                                     R"(,"activated_at":"2026-12-02T10:01:00.000Z","parameters":{"power_mode":"HIGH"},)"
                                     R"("confirmed_by":"acknowledgement"})";
  REQUIRE(schemas().validate_json("ota.activated", activated_data));
  auto activated = trigger(ota_event("ota.activated", activated_data));
  REQUIRE(activated);
  REQUIRE(activated->has_value());
  const auto& a = **activated;
  CHECK(a.kind->type == "service_activated");
  CHECK(a.kind->channels == std::vector<Channel>{Channel::email, Channel::push, Channel::vehicle_display});
  CHECK(a.customer_id == "CUST-1");
  CHECK(a.activation_id == "act-1");
  CHECK(a.order_id.empty());
  CHECK(a.variables.at("vin") == "VSSZZZ5FZNR000001");  // the car's display is addressed by it
  CHECK(a.variables.at("service_name") == "Performance Boost");

  REQUIRE(schemas().validate_json("ota.escalated", escalated("activation")));
  auto failed = trigger(ota_event("ota.escalated", escalated("activation")));
  REQUIRE(failed);
  REQUIRE(failed->has_value());
  CHECK((*failed)->kind->type == "service_activation_failed");
  CHECK((*failed)->kind->channels == std::vector<Channel>{Channel::email, Channel::push});
  CHECK((*failed)->variables.at("resolution_hours") == "48");
  CHECK((*failed)->variables.at("ticket_id") == "tkt-act-1");
  auto undeactivated = trigger(ota_event("ota.escalated", escalated("deactivation")));
  REQUIRE(undeactivated);
  REQUIRE(undeactivated->has_value());
  CHECK((*undeactivated)->kind->type == "service_deactivation_failed");

  const std::string deactivated_data =
      "{" + kOtaHead + R"(,"deactivated_at":"2026-12-02T11:00:00.000Z","parameters":{"power_mode":"STANDARD"}})";
  REQUIRE(schemas().validate_json("ota.deactivated", deactivated_data));
  auto deactivated = trigger(ota_event("ota.deactivated", deactivated_data));
  REQUIRE(deactivated);
  REQUIRE(deactivated->has_value());
  CHECK((*deactivated)->kind->type == "service_deactivated");
  CHECK((*deactivated)->kind->channels == std::vector<Channel>{Channel::email, Channel::push});
}

TEST_CASE("intermediate OTA events are not news and a broken outcome fails loudly", "[catalogue][ota]") {
  for (const char* type : {"ota.requested", "ota.attempt-sent", "ota.attempt-failed"}) {
    auto t = trigger(ota_event(type, "{" + kOtaHead + "}"));
    REQUIRE(t);
    CHECK_FALSE(t->has_value());
  }
  // No resolution time promised: the apology cannot be written, so no blank.
  auto no_hours = trigger(ota_event("ota.escalated", escalated("activation", "")));
  REQUIRE_FALSE(no_hours);
  CHECK(no_hours.error().message.find("resolution_hours") != std::string::npos);
  auto bad_operation = trigger(ota_event("ota.escalated", escalated("upgrade")));
  REQUIRE_FALSE(bad_operation);
  auto anonymous = trigger(ota_event("ota.activated", R"({"activation_id":"act-1","vin":"VSSZZZ5FZNR000001"})"));
  REQUIRE_FALSE(anonymous);
  CHECK(anonymous.error().message.find("customer_id") != std::string::npos);
}

TEST_CASE("an OTA notification carries its activation id through the store and the log", "[events][ota]") {
  auto p = pending(0);
  p.order_id.clear();
  p.activation_id = "act-1";
  p.type = "service_activated";
  p.source_event_type = "ota.activated";
  auto back = decode_pending(encode(p));
  REQUIRE(back);
  CHECK(back->activation_id == "act-1");
  CHECK(back->order_id.empty());
  auto r = decode_record(encode(record_of(p, "2026-12-02T10:01:00.000Z")));
  REQUIRE(r);
  CHECK(r->activation_id == "act-1");

  const auto sent = sent_data(p, {"es", 1, "msg-1", 42, "2026-12-02T10:01:00.042Z"});
  auto valid = schemas().validate_json("notification.sent", sent);
  if (!valid) FAIL(valid.error().message);
  CHECK(schemas().validate_json("notification.failed", failed_data(p, {"es", "permanent", "http_404", "no such vehicle",
                                                                       1, "2026-12-02T10:01:00Z"})));
  CHECK(schemas().validate_json("notification.suppressed-duplicate",
                                suppressed_data(p, DeliveryStatus::sent, "2026-12-02T10:02:00.000Z")));
  auto doc = events::parse_strict_json(sent);
  REQUIRE(doc);
  auto logged = record_from_outcome_event("notification.sent", *doc);
  REQUIRE(logged);
  CHECK(logged->activation_id == "act-1");
  CHECK(logged->order_id.empty());
}
