#include "domain/delivery.hpp"

#include <caas/events/ids.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <algorithm>

namespace caas::notification {

namespace json = caas::events::json;

std::string notification_id_for(std::string_view source_event_id, Channel channel) {
  std::string name = "caas.notification\n";
  name.append(source_event_id).append("\n").append(to_string(channel));
  return events::name_based_uuid(name, 5);
}

std::string_view to_string(DeliveryStatus s) noexcept {
  switch (s) {
    case DeliveryStatus::pending:
      return "pending";
    case DeliveryStatus::sent:
      return "sent";
    case DeliveryStatus::failed:
      return "failed";
  }
  return "unknown";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view s) noexcept {
  for (auto d : {DeliveryStatus::pending, DeliveryStatus::sent, DeliveryStatus::failed}) {
    if (to_string(d) == s) return d;
  }
  return std::nullopt;
}

namespace {

std::int64_t int_or(const rapidjson::Value& v, const char* k, std::int64_t fallback) {
  auto i = json::int64(v, k);
  return i ? *i : fallback;
}

}  // namespace

std::string encode(const PendingDelivery& p) {
  json::Writer w;
  w.begin_object().field("seq", static_cast<std::int64_t>(p.seq)).field("notification_id", p.notification_id);
  w.field("customer_id", p.customer_id).field("order_id", p.order_id);
  w.field("activation_id", p.activation_id).field("channel", to_string(p.channel));
  w.field("type", p.type).key("variables").begin_object();
  for (const auto& [k, v] : p.variables) w.field(k, v);
  w.end_object();
  w.field("source_event_id", p.source_event_id).field("source_event_type", p.source_event_type);
  w.field("source_time_ms", p.source_time_ms).field("correlation_id", p.correlation_id);
  w.field("source_topic", p.source_topic).field("source_partition", static_cast<std::int64_t>(p.source_partition));
  w.field("source_offset", p.source_offset).field("source_key", p.source_key).field("source_value", p.source_value);
  w.field("created_at_ms", p.created_at_ms).field("attempts", p.attempts);
  w.field("next_attempt_at_ms", p.next_attempt_at_ms).field("last_error", p.last_error).end_object();
  return w.str();
}

std::optional<PendingDelivery> decode_pending(std::string_view text) {
  auto doc = events::parse_strict_json(text);  // default limits hold any record we consumed
  if (!doc || !doc->IsObject()) return std::nullopt;
  PendingDelivery p;
  p.seq = static_cast<std::uint64_t>(int_or(*doc, "seq", 0));
  p.notification_id = json::str(*doc, "notification_id");
  p.customer_id = json::str(*doc, "customer_id");
  p.order_id = json::str(*doc, "order_id");
  p.activation_id = json::str(*doc, "activation_id");
  auto channel = parse_channel(json::str(*doc, "channel"));
  if (!channel || p.notification_id.empty()) return std::nullopt;
  p.channel = *channel;
  p.type = json::str(*doc, "type");
  if (const auto* vars = json::member(*doc, "variables"); vars && vars->IsObject()) {
    for (const auto& m : vars->GetObject()) {
      if (m.value.IsString()) p.variables[m.name.GetString()] = m.value.GetString();
    }
  }
  p.source_event_id = json::str(*doc, "source_event_id");
  p.source_event_type = json::str(*doc, "source_event_type");
  p.source_time_ms = int_or(*doc, "source_time_ms", 0);
  p.correlation_id = json::str(*doc, "correlation_id");
  p.source_topic = json::str(*doc, "source_topic");
  p.source_partition = static_cast<std::int32_t>(int_or(*doc, "source_partition", -1));
  p.source_offset = int_or(*doc, "source_offset", -1);
  p.source_key = json::str(*doc, "source_key");
  p.source_value = json::str(*doc, "source_value");
  p.created_at_ms = int_or(*doc, "created_at_ms", 0);
  p.attempts = static_cast<int>(int_or(*doc, "attempts", 0));
  p.next_attempt_at_ms = int_or(*doc, "next_attempt_at_ms", 0);
  p.last_error = json::str(*doc, "last_error");
  return p;
}

std::string encode(const DeliveryRecord& r) {
  json::Writer w;
  w.begin_object().field("seq", static_cast<std::int64_t>(r.seq)).field("notification_id", r.notification_id);
  w.field("customer_id", r.customer_id).field_or_null("order_id", r.order_id);
  w.field_or_null("activation_id", r.activation_id);
  w.field("channel", to_string(r.channel)).field("notification_type", r.type).field("status", to_string(r.status));
  w.field("source_event_id", r.source_event_id).field("source_event_type", r.source_event_type);
  w.field_or_null("language", r.language).field("attempts", r.attempts).field("created_at", r.created_at);
  w.field_or_null("finished_at", r.finished_at).field_or_null("provider_reference", r.provider_reference);
  w.field_or_null("error_code", r.error_code).field_or_null("error_message", r.error_message).end_object();
  return w.str();
}

std::optional<DeliveryRecord> decode_record(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  DeliveryRecord r;
  r.seq = static_cast<std::uint64_t>(int_or(*doc, "seq", 0));
  r.notification_id = json::str(*doc, "notification_id");
  r.customer_id = json::str(*doc, "customer_id");
  r.order_id = json::str(*doc, "order_id");
  r.activation_id = json::str(*doc, "activation_id");
  auto channel = parse_channel(json::str(*doc, "channel"));
  auto status = parse_delivery_status(json::str(*doc, "status"));
  if (!channel || !status) return std::nullopt;
  r.channel = *channel;
  r.status = *status;
  r.type = json::str(*doc, "notification_type");
  r.source_event_id = json::str(*doc, "source_event_id");
  r.source_event_type = json::str(*doc, "source_event_type");
  r.language = json::str(*doc, "language");
  r.attempts = static_cast<int>(int_or(*doc, "attempts", 0));
  r.created_at = json::str(*doc, "created_at");
  r.finished_at = json::str(*doc, "finished_at");
  r.provider_reference = json::str(*doc, "provider_reference");
  r.error_code = json::str(*doc, "error_code");
  r.error_message = json::str(*doc, "error_message");
  return r;
}

DeliveryRecord record_of(const PendingDelivery& p, std::string created_at) {
  DeliveryRecord r;
  r.seq = p.seq;
  r.notification_id = p.notification_id;
  r.customer_id = p.customer_id;
  r.order_id = p.order_id;
  r.activation_id = p.activation_id;
  r.channel = p.channel;
  r.type = p.type;
  r.status = DeliveryStatus::pending;
  r.source_event_id = p.source_event_id;
  r.source_event_type = p.source_event_type;
  r.attempts = p.attempts;
  r.created_at = std::move(created_at);
  r.error_message = p.last_error;
  return r;
}

AttemptDecision decide_after_attempt(const PendingDelivery& p, const SendResult& result, const RetryRules& rules,
                                     std::int64_t now_ms) {
  AttemptDecision d;
  if (result.kind == SendResult::Kind::accepted) {
    d.action = AttemptDecision::Action::sent;
    d.attempts = p.attempts + 1;
    return d;
  }
  if (result.code == kNoContactAddress) {
    // Not an attempt: nothing was sent. Wait for the address, bounded.
    d.attempts = p.attempts;
    if (now_ms - p.created_at_ms < rules.contact_wait.count()) {
      d.action = AttemptDecision::Action::retry;
      d.next_attempt_at_ms = now_ms + rules.contact_recheck.count();
      return d;
    }
    d.action = AttemptDecision::Action::failed;
    d.error_class = "permanent";
    return d;
  }
  d.attempts = p.attempts + 1;
  if (result.kind == SendResult::Kind::permanent) {
    d.action = AttemptDecision::Action::failed;
    d.error_class = "permanent";
    return d;
  }
  if (d.attempts >= rules.max_attempts) {
    d.action = AttemptDecision::Action::failed;
    d.error_class = "transient-exhausted";
    return d;
  }
  // Backoff before retry n (1-based): initial * 2^(n-1), capped; a partner's
  // Retry-After is honoured when it asks for longer.
  auto delay = rules.initial_backoff;
  for (int i = 1; i < d.attempts && delay < rules.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, rules.max_backoff);
  if (result.retry_after) delay = std::max(delay, std::min(*result.retry_after, rules.max_backoff));
  d.action = AttemptDecision::Action::retry;
  d.next_attempt_at_ms = now_ms + delay.count();
  return d;
}

}  // namespace caas::notification
