#include <caas/service/event_processor.hpp>

#include <caas/kafka/dlq.hpp>

#include <algorithm>
#include <stdexcept>

namespace caas::service {

namespace obs = caas::observability;
using Clock = std::chrono::steady_clock;

std::string parked_key(std::string_view topic, std::string_view record_key) {
  std::string key = "__parked/";
  key.append(topic).append("/").append(record_key);
  return key;
}

// The processor's metric families, created once.
struct EventProcessor::Probe {
  prometheus::Family<prometheus::Counter>& records;
  obs::HistogramFamily duration;
  prometheus::Counter& dead_letters_permanent;
  prometheus::Counter& dead_letters_transient;
  prometheus::Counter& parked;
  prometheus::Gauge& paused;

  Probe(obs::Metrics& m, const std::string& service)
      : records(m.counter_family("caas_consumer_records_total",
                                 "Records consumed, by topic and outcome "
                                 "(applied, duplicate, behind_offset, dead_lettered)")),
        duration(m.histogram_family("caas_event_processing_duration_seconds",
                                    "Time to apply one event (handler + atomic store commit)")),
        dead_letters_permanent(m.counter("caas_dlq_records_total", "Records written to the DLQ",
                                         {{"service", service}, {"error_class", "permanent"}})),
        dead_letters_transient(m.counter("caas_dlq_records_total", "Records written to the DLQ",
                                         {{"service", service}, {"error_class", "transient-exhausted"}})),
        parked(m.counter("caas_dlq_parked_records_total",
                         "Records that followed an earlier dead letter of the same key", {{"service", service}})),
        paused(m.gauge("caas_consumer_paused", "1 while fetching is paused for outbox backpressure",
                       {{"service", service}})) {}

  void count(std::string_view topic, const char* outcome) {
    records.Add({{"topic", std::string(topic)}, {"outcome", outcome}}).Increment();
  }
};

EventProcessor::EventProcessor(EventProcessorOptions options, kafka::ClientConfig client, store::StateStore& store,
                               const events::SchemaRegistry& schemas, const obs::Logger& log, obs::Metrics& metrics,
                               EventHandler handler, std::function<std::size_t()> outbox_pending)
    : options_(std::move(options)),
      client_(std::move(client)),
      store_(store),
      schemas_(schemas),
      log_(log.with({{"component", "event-processor"}})),
      handler_(std::move(handler)),
      outbox_pending_(std::move(outbox_pending)),
      probe_(std::make_unique<Probe>(metrics, options_.service)) {
  if (options_.service.empty() || options_.topics.empty() || options_.group_id.empty()) {
    throw std::invalid_argument("EventProcessor needs a service name, topics and a group id");
  }
  if (options_.max_attempts < 1) throw std::invalid_argument("EventProcessor: max_attempts must be >= 1");
}

EventProcessor::~EventProcessor() {
  stop();
}

void EventProcessor::start() {
  kafka::ConsumerOptions copts;
  copts.group_id = options_.group_id;
  copts.auto_offset_reset = "earliest";
  copts.enable_partition_eof = true;
  // Start every partition where the store says we are; an empty store replays.
  copts.on_assigned = [this](std::vector<kafka::TopicPartitionOffset>& parts) {
    assigned_.clear();
    at_end_.clear();
    caught_up_ = false;
    std::int64_t resumed = 0;
    for (auto& p : parts) {
      auto stored = store_.offset(p.topic, p.partition);
      p.offset = stored ? *stored : kafka::kOffsetBeginning;
      if (stored) resumed += *stored;
      assigned_.push_back({p.topic, p.partition});
    }
    paused_ = false;
    log_.info("partitions assigned",
              {{"partitions", static_cast<std::int64_t>(parts.size())}, {"resumed_offset_sum", resumed}});
  };
  copts.on_revoked = [this](const std::vector<kafka::TopicPartition>& parts) {
    // Asynchronous: the group's offsets are only a hint (the store holds the
    // truth), and a synchronous commit blocks for ever when no broker answers,
    // which kept a service from exiting on SIGTERM after Kafka went away.
    commit_group_offsets(/*async=*/true);
    log_.info("partitions revoked", {{"partitions", static_cast<std::int64_t>(parts.size())}});
    assigned_.clear();
    at_end_.clear();
    caught_up_ = false;
  };
  consumer_ = std::make_unique<kafka::Consumer>(client_, std::move(copts));
  if (auto r = consumer_->subscribe(options_.topics); !r) {
    throw std::runtime_error("subscribe failed: " + r.error().message);
  }
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void EventProcessor::stop() {
  {
    std::lock_guard lock(wait_mutex_);
    stopping_ = true;
  }
  wait_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventProcessor::run() {
  while (!stopping_) {
    update_backpressure();
    auto msg = consumer_->poll(options_.poll_timeout);
    if (Clock::now() - last_group_commit_ >= options_.group_commit_interval) {
      commit_group_offsets(/*async=*/true);
    }
    if (!msg) continue;
    if (msg->is_partition_eof()) {
      kafka::TopicPartition tp{std::string(msg->topic()), msg->partition()};
      if (std::find(at_end_.begin(), at_end_.end(), tp) == at_end_.end()) at_end_.push_back(tp);
      if (!caught_up_ && !assigned_.empty() && at_end_.size() >= assigned_.size()) {
        caught_up_ = true;
        log_.info("caught up with every assigned partition");
        if (options_.on_caught_up) options_.on_caught_up();
      }
      continue;
    }
    if (msg->error()) {
      log_.warn("consumer error", {{"error", msg->error_message()}});
      continue;
    }
    process(*msg);
  }
  commit_group_offsets(/*async=*/true);  // a hint, see on_revoked
  if (!consumer_->close()) {
    log_.warn(
        "left the consumer group without the coordinator's answer (brokers unreachable); "
        "the group reassigns after the session timeout");
  }
}

void EventProcessor::process(const kafka::Message& record) {
  const auto topic = record.topic();
  // The group's committed offset may lag the store (it is committed lazily):
  // anything below the stored offset has been applied already.
  if (auto stored = store_.offset(std::string(topic), record.partition()); stored && record.offset() < *stored) {
    probe_->count(topic, "behind_offset");
    return;
  }
  if (options_.park_failed_keys && store_.get(parked_key(topic, record.key()))) {
    dead_letter(record, kafka::ErrorClass::permanent,
                "key is parked behind an earlier dead letter; replay or discard that one first", 0,
                std::chrono::system_clock::now(), /*parked=*/true);
    return;
  }

  auto envelope = events::parse_envelope(record.value());
  if (!envelope) {
    dead_letter(record, kafka::ErrorClass::permanent, "invalid envelope: " + envelope.error().message, 1,
                std::chrono::system_clock::now(), false);
    return;
  }
  if (options_.validate_schema) {
    if (auto valid = schemas_.validate(*envelope); !valid) {
      dead_letter(record, kafka::ErrorClass::permanent, "schema violation: " + valid.error().message, 1,
                  std::chrono::system_clock::now(), false);
      return;
    }
  }
  if (store_.is_processed(envelope->id)) {
    probe_->count(topic, "duplicate");
    advance_offset_only(record);
    return;
  }

  obs::CorrelationScope correlation(envelope->correlationid);
  const auto first_failed_at = std::chrono::system_clock::now();
  auto backoff = options_.retry_backoff_initial;
  for (int attempt = 1;; ++attempt) {
    obs::ScopedTimer timer(probe_->duration, {{"topic", std::string(topic)}});
    store::WriteTxn txn;
    HandlerOutcome outcome = handler_(ConsumedEvent{record, *envelope}, txn);
    if (outcome.kind() == HandlerOutcome::Kind::applied) {
      txn.mark_processed(envelope->id, {std::string(topic), record.partition(), record.offset()});
      txn.set_offset(std::string(topic), record.partition(), record.offset() + 1);
      if (!commit_or_retry(std::move(txn))) return;  // stopping: the record is re-read after restart
      timer.success();
      probe_->count(topic, "applied");
      ++applied_total_;
      if (options_.on_applied_committed) options_.on_applied_committed();
      return;
    }
    timer.set_outcome(outcome.kind() == HandlerOutcome::Kind::permanent_failure ? "permanent" : "transient");
    if (outcome.kind() == HandlerOutcome::Kind::permanent_failure) {
      dead_letter(record, kafka::ErrorClass::permanent, outcome.reason(), attempt, first_failed_at, false);
      return;
    }
    if (attempt >= options_.max_attempts) {
      dead_letter(record, kafka::ErrorClass::transient_exhausted, outcome.reason(), attempt, first_failed_at, false);
      return;
    }
    log_.warn("transient failure, retrying",
              {{"event_id", envelope->id}, {"attempt", attempt}, {"error", outcome.reason()}});
    if (!wait_backoff(backoff)) return;
    backoff = std::min(backoff * 2, options_.retry_backoff_max);
  }
}

void EventProcessor::dead_letter(const kafka::Message& record, kafka::ErrorClass error_class, const std::string& why,
                                 int attempts, std::chrono::system_clock::time_point first_failed_at, bool parked) {
  kafka::DlqInfo info{error_class, why, attempts, first_failed_at, parked};
  store::WriteTxn txn;
  // Through the outbox, in the same batch as the offset: never lost, never doubled.
  txn.enqueue(kafka::make_dlq_record(options_.service, record.view(), info));
  txn.set_offset(std::string(record.topic()), record.partition(), record.offset() + 1);
  if (options_.park_failed_keys && !parked) {
    txn.put(parked_key(record.topic(), record.key()), std::to_string(record.offset()));
  }
  if (!commit_or_retry(std::move(txn))) return;
  probe_->count(record.topic(), "dead_lettered");
  (error_class == kafka::ErrorClass::permanent ? probe_->dead_letters_permanent : probe_->dead_letters_transient)
      .Increment();
  if (parked) probe_->parked.Increment();
  log_.warn("record dead-lettered", {{"topic", std::string(record.topic())},
                                     {"partition", record.partition()},
                                     {"offset", record.offset()},
                                     {"error_class", std::string(kafka::to_string(error_class))},
                                     {"error", why},
                                     {"parked", parked}});
}

void EventProcessor::advance_offset_only(const kafka::Message& record) {
  store::WriteTxn txn;
  txn.set_offset(std::string(record.topic()), record.partition(), record.offset() + 1);
  // Not fsynced: losing it only means the duplicate is skipped again.
  (void)commit_or_retry(std::move(txn));
}

bool EventProcessor::commit_or_retry(store::WriteTxn&& txn) {
  // A failing local disk is not the record's fault: retry (with backoff)
  // rather than dead-letter, and never move past an uncommitted effect.
  auto backoff = options_.retry_backoff_initial;
  for (;;) {
    store::WriteTxn attempt = txn;  // commit consumes its argument
    auto r = store_.commit(std::move(attempt));
    if (r) return true;
    log_.error("store commit failed, retrying", {{"error", r.error().message}});
    if (!wait_backoff(backoff)) return false;
    backoff = std::min(backoff * 2, options_.retry_backoff_max);
  }
}

void EventProcessor::update_backpressure() {
  if (!outbox_pending_ || assigned_.empty()) return;
  const bool over = outbox_pending_() > options_.max_outbox_pending;
  if (over == paused_) return;
  auto r = over ? consumer_->pause(assigned_) : consumer_->resume(assigned_);
  if (!r) {
    log_.warn("pause/resume failed", {{"error", r.error().message}});
    return;
  }
  paused_ = over;
  probe_->paused.Set(over ? 1 : 0);
  log_.info(over ? "outbox backlog: fetching paused" : "outbox drained: fetching resumed");
}

void EventProcessor::commit_group_offsets(bool async) {
  last_group_commit_ = Clock::now();
  if (assigned_.empty()) return;
  std::vector<kafka::TopicPartitionOffset> offsets;
  for (const auto& tp : assigned_) {
    if (auto off = store_.offset(tp.topic, tp.partition)) offsets.push_back({tp.topic, tp.partition, *off});
  }
  if (offsets.empty()) return;
  if (auto r = consumer_->commit(offsets, async); !r) {
    log_.debug("group offset commit failed", {{"error", r.error().message}});
  }
}

bool EventProcessor::wait_backoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(wait_mutex_);
  return !wait_cv_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

}  // namespace caas::service
