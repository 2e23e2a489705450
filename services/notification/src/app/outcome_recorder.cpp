#include "app/outcome_recorder.hpp"

#include "domain/notification_events.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/ids.hpp>
#include <caas/kafka/dlq.hpp>

namespace caas::notification {

namespace {

kafka::Record dead_letter_of(const std::string& service, const PendingDelivery& p, kafka::ErrorClass error_class,
                             const std::string& why, int attempts, std::int64_t first_attempt_ms) {
  kafka::Headers headers;
  if (auto env = events::parse_envelope(p.source_value)) {
    for (auto& [k, v] : events::kafka_headers(*env)) headers.push_back({k, v});
  }
  kafka::ConsumedRecordView original;
  original.topic = p.source_topic;
  original.partition = p.source_partition;
  original.offset = p.source_offset;
  original.key = p.source_key;
  original.value = p.source_value;
  original.headers = headers;
  kafka::DlqInfo info;
  info.error_class = error_class;
  info.error_message = why;
  info.attempts = attempts;
  info.first_failed_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(first_attempt_ms));
  auto record = kafka::make_dlq_record(service, original, info);
  // Which notification of the source event this dead letter stands for.
  record.headers.push_back({"notification.id", p.notification_id});
  record.headers.push_back({"notification.channel", std::string(to_string(p.channel))});
  return record;
}

}  // namespace

OutcomeRecorder::OutcomeRecorder(NotificationStore& store, const service::EventEmitter& emitter, Probe& probe,
                                 observability::Logger log, std::string service_name)
    : store_(store), emitter_(emitter), probe_(probe), log_(std::move(log)), service_(std::move(service_name)) {}

bool OutcomeRecorder::record(const PendingDelivery& p, const SendResult& result, const AttemptDecision& decision,
                             const std::string& language, std::int64_t now_ms) {
  const auto now_text = service::EventEmitter::rfc3339(now_ms);
  const std::string channel(to_string(p.channel));
  store::WriteTxn txn;
  auto history = store_.record(p.customer_id, p.seq).value_or(record_of(p, now_text));
  history.attempts = decision.attempts;
  if (!language.empty()) history.language = language;

  if (decision.action == AttemptDecision::Action::retry) {
    auto next = p;
    next.attempts = decision.attempts;
    next.next_attempt_at_ms = decision.next_attempt_at_ms;
    next.last_error = result.code + ": " + result.message;
    NotificationStore::put_pending(txn, next);
    history.error_code = result.code;
    history.error_message = result.message.substr(0, 1024);
    NotificationStore::put_record(txn, history);
    if (auto r = store_.raw().commit(std::move(txn)); !r) {
      log_.error("cannot record a retry",
                 {{"notification_id", p.notification_id}, {"error_details", r.error().message}});
      return false;
    }
    if (result.code != kNoContactAddress)
      probe_.retries.Add({{"channel", channel}, {"error_code", result.code}}).Increment();
    log_.warn("notification will be retried", {{"notification_id", p.notification_id},
                                               {"customer_id", p.customer_id},
                                               {"order_id", p.order_id},
                                               {"activation_id", p.activation_id},
                                               {"correlation_id", p.correlation_id},
                                               {"channel", channel},
                                               {"attempt", decision.attempts},
                                               {"error_code", result.code},
                                               {"error", result.message}});
    return true;
  }

  const bool sent = decision.action == AttemptDecision::Action::sent;
  service::OutboundEvent event;
  event.topic = kEventsTopic;
  event.key = p.customer_id;
  event.correlation_id = p.correlation_id;
  event.causation_id = p.source_event_id;
  if (sent) {
    event.type = "notification.sent";
    event.data =
        sent_data(p, {language, decision.attempts, result.provider_reference, now_ms - p.source_time_ms, now_text});
    history.status = DeliveryStatus::sent;
    history.provider_reference = result.provider_reference.substr(0, 512);
    history.error_code.clear();
    history.error_message.clear();
  } else {
    event.type = "notification.failed";
    event.data =
        failed_data(p, {language, decision.error_class, result.code, result.message, decision.attempts, now_text});
    history.status = DeliveryStatus::failed;
    history.error_code = result.code;
    history.error_message = result.message.substr(0, 1024);
    const auto error_class =
        decision.error_class == "permanent" ? kafka::ErrorClass::permanent : kafka::ErrorClass::transient_exhausted;
    txn.enqueue(dead_letter_of(service_, p, error_class, result.code + ": " + result.message, decision.attempts,
                               p.created_at_ms));
  }
  event.event_id = events::derive_event_id(event.type, p.notification_id);
  auto record = emitter_.make(event, now_ms);
  if (!record) {
    log_.error("cannot build a notification event",
               {{"notification_id", p.notification_id}, {"error_details", record.error().message}});
    return false;
  }
  txn.enqueue(std::move(*record));
  history.finished_at = now_text;
  NotificationStore::put_record(txn, history);
  NotificationStore::put_logged(txn, p.source_event_id, p.channel,
                                {sent ? DeliveryStatus::sent : DeliveryStatus::failed, p.customer_id, p.seq});
  NotificationStore::remove_pending(txn, p);
  if (auto r = store_.raw().commit(std::move(txn)); !r) {
    log_.error("cannot record a notification outcome",
               {{"notification_id", p.notification_id}, {"error_details", r.error().message}});
    return false;
  }
  if (sent) {
    probe_.sent.Add({{"channel", channel}, {"type", p.type}}).Increment();
    if (p.source_time_ms > 0) {
      probe_.latency.with({{"channel", channel}}).Observe(static_cast<double>(now_ms - p.source_time_ms) / 1000.0);
    }
    log_.info("notification sent", {{"notification_id", p.notification_id},
                                    {"customer_id", p.customer_id},
                                    {"order_id", p.order_id},
                                    {"activation_id", p.activation_id},
                                    {"correlation_id", p.correlation_id},
                                    {"channel", channel},
                                    {"notification_type", p.type},
                                    {"attempts", decision.attempts}});
  } else {
    probe_.failed.Add({{"channel", channel}, {"type", p.type}, {"error_class", decision.error_class}}).Increment();
    log_.error("notification failed: dead-lettered", {{"notification_id", p.notification_id},
                                                      {"customer_id", p.customer_id},
                                                      {"order_id", p.order_id},
                                                      {"activation_id", p.activation_id},
                                                      {"correlation_id", p.correlation_id},
                                                      {"channel", channel},
                                                      {"notification_type", p.type},
                                                      {"error_class", decision.error_class},
                                                      {"error_code", result.code},
                                                      {"error", result.message},
                                                      {"attempts", decision.attempts}});
  }
  return true;
}

}  // namespace caas::notification
