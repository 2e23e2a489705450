#include "app/planner.hpp"

#include "domain/notification_events.hpp"

#include <caas/events/ids.hpp>
#include <caas/events/json.hpp>
#include <caas/events/time.hpp>

namespace caas::notification {

Planner::Planner(NotificationStore& store, const service::EventEmitter& emitter, Probe& probe,
                 observability::Logger log, std::vector<Channel> configured_channels, Handoff handoff)
    : store_(store),
      emitter_(emitter),
      probe_(probe),
      log_(std::move(log)),
      configured_(std::move(configured_channels)),
      handoff_(std::move(handoff)) {}

void Planner::committed() {
  for (const auto& p : staged_) handoff_(p);
  staged_.clear();
}

service::HandlerOutcome Planner::operator()(const service::ConsumedEvent& event, store::WriteTxn& txn) {
  staged_.clear();  // a retried call starts again
  const auto& env = event.envelope;
  auto data = events::parse_strict_json(env.data);
  if (!data) return service::HandlerOutcome::permanent("event data is not JSON: " + data.error().message);
  auto trigger = trigger_for(env, *data);
  if (!trigger) return service::HandlerOutcome::permanent(trigger.error().message);
  if (!*trigger) return service::HandlerOutcome::applied();
  const auto& t = **trigger;

  const auto now_ms = emitter_.now_ms();
  const auto now_text = service::EventEmitter::rfc3339(now_ms);
  std::int64_t source_ms = now_ms;
  if (auto at = events::parse_rfc3339(env.time)) {
    source_ms = std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count();
  }
  const auto profile = store_.profile(t.customer_id);
  for (auto channel : channels_for(*t.kind, profile, configured_)) {
    PendingDelivery p;
    p.notification_id = notification_id_for(env.id, channel);
    p.customer_id = t.customer_id;
    p.order_id = t.order_id;
    p.activation_id = t.activation_id;
    p.channel = channel;
    p.type = std::string(t.kind->type);
    p.variables = t.variables;
    p.source_event_id = env.id;
    p.source_event_type = env.type;
    p.source_time_ms = source_ms;
    p.correlation_id = env.correlationid;

    if (auto logged = store_.logged(env.id, channel)) {
      // Redelivered or replayed: the delivery log has it. Say so, send nothing.
      service::OutboundEvent e;
      e.topic = kEventsTopic;
      e.type = "notification.suppressed-duplicate";
      e.key = t.customer_id;
      e.data = suppressed_data(p, logged->status, now_text);
      e.event_id = events::derive_event_id(e.type, p.notification_id);
      e.correlation_id = env.correlationid;
      e.causation_id = env.id;
      auto record = emitter_.make(e, now_ms);
      if (!record) return service::HandlerOutcome::permanent(record.error().message);
      txn.enqueue(std::move(*record));
      probe_.suppressed.Add({{"channel", std::string(to_string(channel))}}).Increment();
      log_.info("duplicate source event: notification not sent again",
                {{"notification_id", p.notification_id},
                 {"customer_id", p.customer_id},
                 {"order_id", p.order_id},
                 {"activation_id", p.activation_id},
                 {"channel", std::string(to_string(channel))},
                 {"source_event_id", env.id},
                 {"original_outcome", std::string(to_string(logged->status))}});
      continue;
    }
    if (store_.is_pending(env.id, channel)) continue;  // planned already, still on its way

    p.source_topic = std::string(event.record.topic());
    p.source_partition = event.record.partition();
    p.source_offset = event.record.offset();
    p.source_key = std::string(event.record.key());
    p.source_value = std::string(event.record.value());
    p.created_at_ms = now_ms;
    p.next_attempt_at_ms = now_ms;
    p.seq = store_.next_seq(txn);
    NotificationStore::put_pending(txn, p);
    NotificationStore::put_record(txn, record_of(p, now_text));
    probe_.planned.Add({{"channel", std::string(to_string(channel))}, {"type", p.type}}).Increment();
    staged_.push_back(std::move(p));
  }
  return service::HandlerOutcome::applied();
}

}  // namespace caas::notification
