#include "domain/ota_events.hpp"

#include <caas/core/time.hpp>
#include <caas/events/ids.hpp>
#include <caas/events/json.hpp>
#include <caas/events/time.hpp>

#include <chrono>

namespace caas::ota {

namespace json = caas::events::json;

std::string iso_ms(std::int64_t ms) {
  return caas::format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

namespace {

std::int64_t parse_ms(const std::string& text) {
  auto t = events::parse_rfc3339(text);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

void common(json::Writer& w, const Activation& a) {
  w.field("activation_id", a.id).field("vin", a.vin).field("customer_id", a.customer_id);
  w.field("service_code", a.service_code).field("service_name", a.service_name).field("platform", a.platform);
  w.field("attempts", static_cast<int>(std::max<std::size_t>(1, a.attempts.size())));
  w.field("requested_at", iso_ms(a.created_ms));
}

void billing_common(json::Writer& w, const Activation& a) {
  w.field("activation_id", a.id).field("vin", a.vin).field("customer_id", a.customer_id);
  w.field("service_code", a.service_code).field("price_reference", a.price_reference);
  w.field("requested_at", iso_ms(a.created_ms));
}

std::string package(const Activation& a, const Vehicle& v, const ServiceDefinition* service) {
  json::Writer w;
  w.begin_object();
  w.field("activation_id", a.id).field("vin", a.vin).field("customer_id", a.customer_id);
  w.field("operation", to_string(a.operation)).field("reason", a.reason);
  w.field_or_null("last_error_code", a.last_error_code);
  w.key("service").begin_object();
  w.field("code", a.service_code).field("name", a.service_name).field("platform", a.platform);
  if (service) {
    w.field("firmware_module", service->firmware_module).field("service_type", service->service_type);
    w.key("retry_policy").begin_object();
    w.field("max_attempts", a.policy.max_attempts).field("interval_ms", a.policy.interval_ms);
    w.field("backoff", a.policy.exponential ? "exponential" : "fixed");
    w.field("attempt_timeout_ms", a.policy.attempt_timeout_ms);
    w.end_object();
    if (auto it = service->platforms.find(a.platform); it != service->platforms.end()) {
      w.key("activation_values");
      write_params(w, it->second.activation);
      w.key("deactivation_values");
      write_params(w, it->second.deactivation);
    }
  }
  w.end_object();
  w.key("desired");
  write_params(w, a.desired);
  w.key("attempts");
  write_attempts(w, a);
  w.key("vehicle_status");
  if (a.last_status_json.empty()) {
    w.null();
  } else {
    w.raw(a.last_status_json);
  }
  w.key("last_telemetry").begin_object();
  w.key("reported_configuration");
  write_params(w, v.reported);
  w.key("reported_at");
  if (v.reported_at_ms) {
    w.value(iso_ms(v.reported_at_ms));
  } else {
    w.null();
  }
  w.end_object();
  w.key("connectivity").begin_object();
  w.field("online", v.online);
  w.key("since");
  if (v.connectivity_changed_ms) {
    w.value(iso_ms(v.connectivity_changed_ms));
  } else {
    w.null();
  }
  w.end_object();
  w.field("requested_at", iso_ms(a.created_ms)).field("escalated_at", iso_ms(a.finished_ms));
  w.end_object();
  return w.str();
}

}  // namespace

std::string ticket_id(const Activation& a) {
  return "OTA-" + a.id;
}

std::vector<EventSpec> outcome_events(const Activation& a, const Vehicle& v, const ServiceDefinition* service,
                                      int resolution_hours) {
  std::vector<EventSpec> out;
  const auto at = iso_ms(a.finished_ms);
  if (a.state == State::active || a.state == State::deactivated) {
    const bool on = a.state == State::active;
    json::Writer w;
    w.begin_object();
    common(w, a);
    w.field(on ? "activated_at" : "deactivated_at", at);
    w.key("parameters");
    write_params(w, a.desired);
    if (on) w.field("confirmed_by", a.confirmed_by);
    w.end_object();
    const std::string_view type = on ? "ota.activated" : "ota.deactivated";
    out.push_back({kOtaEventsTopic, type, a.vin, w.str(), events::derive_event_id(type, a.id)});
    json::Writer b;
    b.begin_object();
    billing_common(b, a);
    if (on) {
      b.field("payment_authorization", a.payment_authorization).field("amount", a.amount);
      b.field("currency", a.currency).field("period", a.period).field("activated_at", at);
    } else {
      b.field("stopped_at", at);
    }
    b.end_object();
    const std::string_view btype = on ? "billing.charge-requested" : "billing.charge-stopped";
    out.push_back({kBillingTopic, btype, a.id, b.str(), events::derive_event_id(btype, a.id)});
    return out;
  }
  if (a.state != State::escalated) return out;
  json::Writer w;
  w.begin_object();
  common(w, a);
  w.field("operation", to_string(a.operation)).field("reason", a.reason);
  w.field_or_null("last_error_code", a.last_error_code);
  w.field("ticket_id", ticket_id(a)).field("resolution_hours", resolution_hours).field("escalated_at", at);
  w.end_object();
  out.push_back({kOtaEventsTopic, "ota.escalated", a.vin, w.str(), events::derive_event_id("ota.escalated", a.id)});
  if (a.operation == Operation::activation) {
    json::Writer b;
    b.begin_object();
    billing_common(b, a);
    b.field("payment_authorization", a.payment_authorization).field("reason", a.reason).field("waived_at", at);
    b.end_object();
    out.push_back({kBillingTopic, "billing.charge-waived", a.id, b.str(),
                   events::derive_event_id("billing.charge-waived", a.id)});
  }
  json::Writer t;
  t.begin_object();
  t.field("ticket_id", ticket_id(a)).field("category", "ota-escalation");
  t.field("severity", a.reason == "FIRMWARE_ERROR" ? "high" : "medium");
  t.field("title", std::string(a.operation == Operation::activation ? "Activation" : "Deactivation") + " of " +
                       a.service_code + " failed on " + a.vin + " (" + a.reason + ")");
  t.field("description", "OTA " + std::string(to_string(a.operation)) + " escalated after " +
                             std::to_string(a.attempts.size()) + " command(s); the customer is not charged.");
  t.field("vin", a.vin).field("activation_id", a.id).field("customer_id", a.customer_id);
  t.field("opened_by", "ota-engine").field("opened_at", at);
  t.key("context").raw(package(a, v, service));
  t.end_object();
  out.push_back({kTicketsTopic, "support.ticket-opened", ticket_id(a), t.str(),
                 events::derive_event_id("support.ticket-opened", a.id)});
  return out;
}

// ---- commands ----

std::string request_data(const RequestCommand& r) {
  json::Writer w;
  w.begin_object();
  w.field("activation_id", r.activation_id).field("vin", r.vin).field("customer_id", r.customer_id);
  w.field("service_code", r.service_code).field("operation", to_string(r.operation)).field("platform", r.platform);
  w.field_or_null("payment_authorization", r.payment_authorization);
  w.field_if("idempotency_key", r.idempotency_key);
  w.field("requested_by", r.requested_by).field("requested_at", iso_ms(r.requested_ms));
  w.end_object();
  return w.str();
}

std::optional<RequestCommand> parse_request(std::string_view data) {
  auto d = events::parse_strict_json(data);
  if (!d || !d->IsObject()) return std::nullopt;
  RequestCommand r;
  r.activation_id = json::str(*d, "activation_id");
  r.vin = json::str(*d, "vin");
  r.customer_id = json::str(*d, "customer_id");
  r.service_code = json::str(*d, "service_code");
  r.platform = json::str(*d, "platform");
  r.payment_authorization = json::str(*d, "payment_authorization");
  r.idempotency_key = json::str(*d, "idempotency_key");
  r.requested_by = json::str(*d, "requested_by");
  auto op = parse_operation(json::str(*d, "operation"));
  if (!op || r.activation_id.empty() || r.vin.empty()) return std::nullopt;
  r.operation = *op;
  r.requested_ms = parse_ms(json::str(*d, "requested_at"));
  return r;
}

std::string request_event_id(const std::string& activation_id) {
  return events::derive_event_id("ota.request-service", activation_id);
}

std::string transfer_data(const TransferCommand& t) {
  json::Writer w;
  w.begin_object();
  w.field("vin", t.vin).field("customer_id", t.customer_id);
  w.field_or_null("previous_customer_id", t.previous_customer_id);
  w.field("transferred_by", t.transferred_by).field("transferred_at", iso_ms(t.at_ms));
  w.end_object();
  return w.str();
}

std::optional<TransferCommand> parse_transfer(std::string_view data) {
  auto d = events::parse_strict_json(data);
  if (!d || !d->IsObject()) return std::nullopt;
  TransferCommand t;
  t.vin = json::str(*d, "vin");
  t.customer_id = json::str(*d, "customer_id");
  t.previous_customer_id = json::str(*d, "previous_customer_id");
  t.transferred_by = json::str(*d, "transferred_by");
  t.at_ms = parse_ms(json::str(*d, "transferred_at"));
  if (t.vin.empty() || t.customer_id.empty()) return std::nullopt;
  return t;
}

std::string posted_data(const PostCommand& p, const PostResult& r, std::int64_t at_ms) {
  json::Writer w;
  w.begin_object();
  w.field("activation_id", p.activation_id).field("vin", p.vin).field("attempt", p.attempt);
  w.field("command_id", p.command_id).field("outcome", r.outcome);
  w.key("http_status");
  if (r.http_status) {
    w.value(r.http_status);
  } else {
    w.null();
  }
  w.key("retry_after_ms");
  if (r.outcome == "rate_limited") {
    w.value(r.retry_after_ms);
  } else {
    w.null();
  }
  w.field_or_null("error", r.error).field("posted_at", iso_ms(at_ms));
  w.end_object();
  return w.str();
}

std::string posted_event_id(const PostCommand& p) {
  return events::derive_event_id("ota.command-posted", p.command_id + "\n" + std::to_string(p.token));
}

std::optional<std::pair<std::string, PostResult>> parse_posted(std::string_view data) {
  auto d = events::parse_strict_json(data);
  if (!d || !d->IsObject()) return std::nullopt;
  PostResult r;
  r.attempt = static_cast<int>(json::int64(*d, "attempt").value_or(0));
  r.outcome = json::str(*d, "outcome");
  r.http_status = static_cast<int>(json::int64(*d, "http_status").value_or(0));
  r.retry_after_ms = json::int64(*d, "retry_after_ms").value_or(0);
  r.error = json::str(*d, "error");
  auto id = json::str(*d, "activation_id");
  if (id.empty()) return std::nullopt;
  return std::pair{id, r};
}

std::string status_data(const StatusQuery& q, const StatusSnapshot& s, int http_status, std::int64_t at_ms) {
  json::Writer w;
  w.begin_object();
  w.field("activation_id", q.activation_id).field("vin", q.vin).field("attempt", q.attempt);
  w.field("purpose", q.purpose).field("query_seq", static_cast<std::int64_t>(q.query_seq)).field("ok", s.ok);
  w.key("http_status");
  if (http_status) {
    w.value(http_status);
  } else {
    w.null();
  }
  w.field_or_null("error", s.error);
  w.key("status");
  if (s.ok && !s.raw_json.empty()) {
    w.raw(s.raw_json);
  } else {
    w.null();
  }
  w.field("observed_at", iso_ms(at_ms));
  w.end_object();
  return w.str();
}

std::string status_event_id(const StatusQuery& q) {
  return events::derive_event_id("ota.status-observed", q.activation_id + "\n" + std::to_string(q.query_seq));
}

std::optional<std::pair<std::string, StatusSnapshot>> parse_status_observed(std::string_view data) {
  auto d = events::parse_strict_json(data);
  if (!d || !d->IsObject()) return std::nullopt;
  auto id = json::str(*d, "activation_id");
  if (id.empty()) return std::nullopt;
  StatusSnapshot s;
  const bool ok = json::boolean(*d, "ok");
  const auto* status = json::member(*d, "status");
  if (ok && status && status->IsObject()) {
    auto parsed = parse_status(events::to_json(*status));
    if (parsed) s = std::move(*parsed);
  }
  s.ok = ok && status && status->IsObject();
  s.error = json::str(*d, "error");
  s.purpose = json::str(*d, "purpose");
  s.query_seq = static_cast<std::uint64_t>(json::int64(*d, "query_seq").value_or(0));
  return std::pair{id, s};
}

std::string timer_data(const std::string& activation_id, const std::string& vin, std::uint64_t seq, std::int64_t due_ms,
                       std::int64_t fired_ms) {
  json::Writer w;
  w.begin_object();
  w.field("activation_id", activation_id).field("vin", vin).field("timer_seq", static_cast<std::int64_t>(seq));
  w.field("due_at", iso_ms(due_ms)).field("fired_at", iso_ms(fired_ms));
  w.end_object();
  return w.str();
}

std::string timer_event_id(const std::string& activation_id, std::uint64_t seq) {
  return events::derive_event_id("ota.timer-fired", activation_id + "\n" + std::to_string(seq));
}

std::optional<TimerFired> parse_timer(std::string_view data) {
  auto d = events::parse_strict_json(data);
  if (!d || !d->IsObject()) return std::nullopt;
  TimerFired t{json::str(*d, "activation_id"), static_cast<std::uint64_t>(json::int64(*d, "timer_seq").value_or(0))};
  if (t.activation_id.empty()) return std::nullopt;
  return t;
}

std::optional<AckRecord> parse_ack(std::string_view data) {
  auto d = events::parse_strict_json(data);
  if (!d || !d->IsObject()) return std::nullopt;
  AckRecord r;
  r.vin = json::str(*d, "vin");
  r.ack.command_id = json::str(*d, "command_id");
  r.ack.result = json::str(*d, "result");
  r.ack.error_code = json::str(*d, "error_code");
  if (const auto* rep = json::member(*d, "reported_parameters"); rep && rep->IsObject()) {
    r.ack.reported = params_from_json(*rep);
  }
  if (r.ack.command_id.empty() || r.ack.result.empty()) return std::nullopt;
  return r;
}

}  // namespace caas::ota
