#include "app/log_projection.hpp"

#include "domain/notification_events.hpp"

#include <caas/events/json.hpp>

namespace caas::notification {

service::HandlerOutcome LogProjection::operator()(const service::ConsumedEvent& event, store::WriteTxn& txn) {
  const auto& env = event.envelope;
  auto data = events::parse_strict_json(env.data);
  if (!data) return service::HandlerOutcome::permanent("event data is not JSON: " + data.error().message);

  if (env.type == "notification.preferences-updated") {
    auto incoming = profile_from_json(env.data);
    if (!incoming) return service::HandlerOutcome::permanent("unreadable preferences");
    // Log order is commit order per customer; the timestamp guards a
    // re-read older event against a newer profile already in the store.
    auto current = store_.profile(incoming->customer_id);
    if (!current || current->updated_at <= incoming->updated_at) NotificationStore::put_profile(txn, *incoming);
    return service::HandlerOutcome::applied();
  }
  auto record = record_from_outcome_event(env.type, *data);
  if (!record) return service::HandlerOutcome::applied();  // suppressed-duplicate: nothing to keep
  if (store_.logged(record->source_event_id, record->channel)) return service::HandlerOutcome::applied();
  record->seq = store_.next_seq(txn);
  NotificationStore::put_record(txn, *record);
  NotificationStore::put_logged(txn, record->source_event_id, record->channel,
                                {record->status, record->customer_id, record->seq});
  return service::HandlerOutcome::applied();
}

}  // namespace caas::notification
