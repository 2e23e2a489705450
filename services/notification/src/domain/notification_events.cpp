#include "domain/notification_events.hpp"

#include <caas/core/time.hpp>
#include <caas/events/json_util.hpp>

#include <algorithm>

namespace caas::notification {

namespace json = caas::events::json;

namespace {

void head(json::Writer& w, const PendingDelivery& p) {
  w.begin_object().field("notification_id", p.notification_id).field("customer_id", p.customer_id);
  w.field("channel", to_string(p.channel)).field("notification_type", p.type);
  w.field("source_event_id", p.source_event_id).field("source_event_type", p.source_event_type);
  w.field_if("order_id", p.order_id).field_if("activation_id", p.activation_id);
}

}  // namespace

std::string sent_data(const PendingDelivery& p, const SentFacts& f) {
  json::Writer w;
  head(w, p);
  w.field("language", f.language).field("attempts", f.attempts);
  w.field("provider_reference", f.provider_reference.substr(0, 512));
  if (p.source_time_ms > 0) {
    w.field("source_event_time",
            format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(p.source_time_ms))));
  }
  w.field("latency_ms", std::max<std::int64_t>(0, f.latency_ms)).field("sent_at", f.sent_at).end_object();
  return w.str();
}

std::string failed_data(const PendingDelivery& p, const FailedFacts& f) {
  json::Writer w;
  head(w, p);
  w.field_if("language", f.language).field("error_class", f.error_class);
  w.field_if("error_code", f.error_code.substr(0, 64));
  w.field("error_message", f.error_message.empty() ? std::string("unknown") : f.error_message.substr(0, 1024));
  w.field("attempts", f.attempts).field("failed_at", f.failed_at).end_object();
  return w.str();
}

std::string suppressed_data(const PendingDelivery& p, DeliveryStatus original, const std::string& at) {
  json::Writer w;
  head(w, p);
  w.field("original_outcome", to_string(original)).field("suppressed_at", at).end_object();
  return w.str();
}

std::optional<DeliveryRecord> record_from_outcome_event(std::string_view type, const rapidjson::Value& data) {
  DeliveryRecord r;
  if (type == "notification.sent") {
    r.status = DeliveryStatus::sent;
    r.finished_at = json::str(data, "sent_at");
    r.provider_reference = json::str(data, "provider_reference");
  } else if (type == "notification.failed") {
    r.status = DeliveryStatus::failed;
    r.finished_at = json::str(data, "failed_at");
    r.error_code = json::str(data, "error_code");
    r.error_message = json::str(data, "error_message");
  } else {
    return std::nullopt;
  }
  auto channel = parse_channel(json::str(data, "channel"));
  if (!channel) return std::nullopt;
  r.channel = *channel;
  r.notification_id = json::str(data, "notification_id");
  r.customer_id = json::str(data, "customer_id");
  r.order_id = json::str(data, "order_id");
  r.activation_id = json::str(data, "activation_id");
  r.type = json::str(data, "notification_type");
  r.source_event_id = json::str(data, "source_event_id");
  r.source_event_type = json::str(data, "source_event_type");
  r.language = json::str(data, "language");
  r.attempts = static_cast<int>(json::int64(data, "attempts").value_or(0));
  r.created_at = r.finished_at;  // the planning time is not in the log
  return r;
}

}  // namespace caas::notification
