#include "store/projection.hpp"

#include "domain/events.hpp"
#include "domain/json.hpp"

#include <caas/events/time.hpp>

#include <algorithm>

namespace caas::factory {

std::optional<std::int64_t> rfc3339_ms(std::string_view text) {
  auto t = events::parse_rfc3339(text);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.value().time_since_epoch()).count();
}

std::optional<PlacementRecord> placement_from_event(std::string_view type, std::string_view data_json,
                                                    std::int64_t at_ms) {
  auto doc = parse_object(data_json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  PlacementRecord r;
  r.order_id = string_or(d, "order_id");
  r.attempts = static_cast<int>(std::max<std::int64_t>(1, int_or(d, "attempts", 1)));
  r.finished_at_ms = at_ms;
  if (type == kOrderPlaced) {
    r.outcome = "placed";
    r.factory_order_id = string_or(d, "factory_order_id");
    r.http_status = http_status_of(Created{});
    if (r.factory_order_id.empty()) return std::nullopt;
  } else if (type == kOrderRejected) {
    const PlaceResult rejected = Rejected{static_cast<int>(int_or(d, "http_status", 400)), string_or(d, "error_code"),
                                          string_or(d, "message"), string_or(d, "field")};
    r.outcome = "rejected";
    r.http_status = http_status_of(rejected);
    r.error_class = std::string(resilience::to_string(error_class_of(rejected)));
    r.last_error = describe(rejected);
  } else if (type == kSubmissionFailed) {
    r.outcome = "failed";
    r.error_class = string_or(d, "error_class");
    r.http_status = static_cast<int>(int_or(d, "http_status", 0));
    r.last_error = string_or(d, "last_error");
    r.critical = bool_or(d, "critical");
    r.ticket_id = string_or(d, "ticket_id");
  } else {
    return std::nullopt;
  }
  if (r.order_id.empty()) return std::nullopt;
  return r;
}

bool complete_placement(PlacementRecord& record, std::string_view idempotency_key, std::string_view customer_id) {
  bool changed = false;
  auto fill = [&changed](std::string& field, std::string_view value) {
    if (!field.empty() || value.empty()) return;
    field = std::string(value);
    changed = true;
  };
  fill(record.idempotency_key, idempotency_key);
  fill(record.customer_id, customer_id);
  if (record.outcome == "rejected" && !record.idempotency_key.empty()) {
    fill(record.ticket_id, placement_ticket_id(PlacementAction::rejected, record.order_id, record.idempotency_key));
  }
  return changed;
}

std::optional<FactoryOrder> factory_order_from_placed(std::string_view data_json, std::int64_t at_ms,
                                                      std::string correlation_id) {
  auto doc = parse_object(data_json);
  if (!doc) return std::nullopt;
  FactoryOrder fo;
  fo.factory_order_id = string_or(*doc, "factory_order_id");
  fo.order_id = string_or(*doc, "order_id");
  if (fo.factory_order_id.empty() || fo.order_id.empty()) return std::nullopt;
  fo.correlation_id = std::move(correlation_id);
  fo.placed_at_ms = at_ms;
  fo.last_update_ms = at_ms;
  fo.rev = 1;
  const auto created_at = string_or(*doc, "created_at");
  StatusEntry first{FactoryStatus::ordered,
                    created_at,
                    rfc3339_ms(created_at).value_or(at_ms),
                    std::string(kSourcePlacement),
                    true,
                    at_ms,
                    ""};
  record_status(fo.status, std::move(first), StatusDecision{Verdict::applied, std::nullopt, "placed"});
  return fo;
}

std::optional<StatusObservation> status_from_event(std::string_view data_json, std::int64_t at_ms) {
  auto doc = parse_object(data_json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  StatusObservation o;
  o.order_id = string_or(d, "order_id");
  o.factory_order_id = string_or(d, "factory_order_id");
  const auto status = parse_factory_status(string_or(d, "status"));
  const auto timestamp = string_or(d, "timestamp");
  const auto ts_ms = rfc3339_ms(timestamp);
  if (o.order_id.empty() || o.factory_order_id.empty() || !status || !ts_ms) return std::nullopt;
  o.entry = StatusEntry{*status,
                        timestamp,
                        *ts_ms,
                        string_or(d, "source"),
                        bool_or(d, "applied"),
                        at_ms,
                        string_or(d, "ingress_event_id")};
  return o;
}

bool project_status(FactoryOrder& order, const StatusEntry& entry) {
  if (const auto* known = order.status.find(entry.status, entry.ts_ms);
      known != nullptr && (known->applied || !entry.applied)) {
    return false;
  }
  const auto verdict = entry.applied ? Verdict::applied : Verdict::not_applied;
  record_status(order.status, entry, StatusDecision{verdict, std::nullopt, "recorded"});
  if (entry.applied) order.last_update_ms = std::max(order.last_update_ms, entry.recorded_at_ms);
  if (entry.source == kSourcePoll || entry.source == kSourceReconciliation) {
    order.last_polled_ms = std::max(order.last_polled_ms, entry.recorded_at_ms);
  }
  return true;
}

}  // namespace caas::factory
