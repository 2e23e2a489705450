#include <caas/service/event_processor.hpp>

#include <caas/kafka/dlq.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace caas::service {

namespace obs = caas::observability;
using Clock = std::chrono::steady_clock;

std::string parked_key(std::string_view topic, std::string_view record_key) {
  std::string key(kParkedPrefix);
  key.append(topic).append("/").append(record_key);
  return key;
}

std::string encode_parked(std::int64_t pending, std::string_view blocked_plan) {
  std::string out = "pending=" + std::to_string(pending);
  if (!blocked_plan.empty()) out.append(" blocked=").append(blocked_plan);
  return out;
}

namespace {

std::optional<std::int64_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::int64_t decode_parked(std::string_view value) {
  constexpr std::string_view prefix = "pending=";
  if (value.substr(0, prefix.size()) != prefix) return 1;  // older layout: the first dead letter's offset
  const auto rest = value.substr(prefix.size());
  return parse_count(rest.substr(0, rest.find(' '))).value_or(1);
}

std::string_view parked_blocked_plan(std::string_view value) {
  constexpr std::string_view marker = " blocked=";
  const auto at = value.find(marker);
  return at == std::string_view::npos ? std::string_view{} : value.substr(at + marker.size());
}

// The processor's metric families, created once.
struct EventProcessor::Probe {
  prometheus::Family<prometheus::Counter>& records;
  obs::HistogramFamily duration;
  prometheus::Counter& dead_letters_permanent;
  prometheus::Counter& dead_letters_transient;
  prometheus::Counter& parked;
  prometheus::Gauge& last_dead_letter;
  prometheus::Gauge& paused;
  prometheus::Gauge& waiting;
  prometheus::Family<prometheus::Counter>& waiting_outcomes;
  const std::string service;

  Probe(obs::Metrics& m, const std::string& service_name, const std::string& group)
      : records(m.counter_family(
            "caas_consumer_records_total",
            "Records consumed, by topic and outcome "
            "(applied, duplicate, behind_offset, dead_lettered, set_aside, control, redrive_for_other)")),
        duration(m.histogram_family("caas_event_processing_duration_seconds",
                                    "Time to apply one event (handler + atomic store commit)")),
        dead_letters_permanent(m.counter("caas_dlq_records_total", "Records written to the DLQ",
                                         {{"service", service_name}, {"error_class", "permanent"}})),
        dead_letters_transient(m.counter("caas_dlq_records_total", "Records written to the DLQ",
                                         {{"service", service_name}, {"error_class", "transient-exhausted"}})),
        parked(m.counter("caas_dlq_parked_records_total",
                         "Records that followed an earlier dead letter of the same key", {{"service", service_name}})),
        last_dead_letter(m.gauge("caas_dlq_last_record_timestamp_seconds",
                                 "When this service last wrote a dead letter (Unix time; 0 = never since start)",
                                 {{"service", service_name}})),
        paused(m.gauge("caas_consumer_paused", "1 while fetching is paused for outbox backpressure",
                       {{"service", service_name}})),
        waiting(m.gauge("caas_waiting_records", "Records set aside until their aggregate is known",
                        {{"service", service_name}, {"group", group}})),
        waiting_outcomes(m.counter_family("caas_waiting_records_total",
                                          "Records through the waiting room, by outcome (set_aside, released, "
                                          "duplicate, expired, overflow)")),
        service(service_name) {
    for (const char* outcome : {"set_aside", "released", "duplicate", "expired", "overflow"}) count_waiting(outcome, 0);
  }

  void count_waiting(const char* outcome, double n = 1) {
    waiting_outcomes.Add({{"service", service}, {"outcome", outcome}}).Increment(n);
  }

  void count(std::string_view topic, const char* outcome) {
    records.Add({{"topic", std::string(topic)}, {"outcome", outcome}}).Increment();
  }
};

EventProcessor::EventProcessor(EventProcessorOptions options, kafka::ClientConfig client, store::StateStore& store,
                               const events::SchemaRegistry& schemas, const obs::Logger& log, obs::Metrics& metrics,
                               EventHandler handler, std::function<std::size_t()> outbox_pending)
    : EventProcessor(
          std::move(options),
          [client = std::move(client)](kafka::ConsumerOptions copts) -> std::unique_ptr<RecordSource> {
            return std::make_unique<KafkaRecordSource>(client, std::move(copts));
          },
          store, schemas, log, metrics, std::move(handler), std::move(outbox_pending)) {}

EventProcessor::EventProcessor(EventProcessorOptions options, RecordSourceFactory make_source, store::StateStore& store,
                               const events::SchemaRegistry& schemas, const obs::Logger& log, obs::Metrics& metrics,
                               EventHandler handler, std::function<std::size_t()> outbox_pending)
    : options_(std::move(options)),
      make_source_(std::move(make_source)),
      store_(store),
      schemas_(schemas),
      log_(log.with({{"component", "event-processor"}})),
      handler_(std::move(handler)),
      outbox_pending_(std::move(outbox_pending)),
      probe_(std::make_unique<Probe>(metrics, options_.service, options_.group_id)) {
  if (options_.service.empty() || options_.topics.empty() || options_.group_id.empty()) {
    throw std::invalid_argument("EventProcessor needs a service name, topics and a group id");
  }
  if (options_.max_attempts < 1) throw std::invalid_argument("EventProcessor: max_attempts must be >= 1");
  waiting_ = std::make_unique<WaitingRoom>(store_, options_.group_id, options_.waiting);
}

EventProcessor::~EventProcessor() {
  stop();
}

void EventProcessor::start() {
  kafka::ConsumerOptions copts;
  copts.group_id = options_.group_id;
  copts.auto_offset_reset = "earliest";
  copts.enable_partition_eof = true;
  copts.stats_interval = options_.stats_interval;
  copts.on_stats = options_.on_stats;
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
    next_recheck_ = {};  // records set aside for these partitions may be known by now
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
  waiting_->load();
  waiting_total_ = waiting_->total();
  probe_->waiting.Set(static_cast<double>(waiting_->total()));
  consumer_ = make_source_(std::move(copts));
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
    serve_waiting_room();
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
    if (msg->is_error()) {
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

void EventProcessor::process(const Polled& polled) {
  const InputRecord record(polled.view(), polled.timestamp_ms());
  const auto topic = record.topic();
  // The group's committed offset may lag the store (it is committed lazily):
  // anything below the stored offset has been applied already.
  if (auto stored = store_.offset(std::string(topic), record.partition()); stored && record.offset() < *stored) {
    probe_->count(topic, "behind_offset");
    return;
  }
  if (auto what = record.header(kafka::redrive_headers::kControl)) {
    control(record, *what);
    return;
  }
  // An operator's redrive is meant for the service that dead-lettered the
  // record; every other consumer of the topic handled the original already.
  const auto redrive_for = record.header(kafka::redrive_headers::kService);
  if (redrive_for && *redrive_for != options_.service) {
    probe_->count(topic, "redrive_for_other");
    advance_offset_only(record);
    return;
  }
  const auto parked_state =
      options_.park_failed_keys ? store_.get(parked_key(topic, record.key())) : std::optional<std::string>{};
  const bool parked = parked_state.has_value();
  // A redrive passes the parked key, unless an earlier record of the same
  // plan failed again: then the plan's later records park behind that one.
  const bool passes =
      redrive_for && !(parked && !parked_blocked_plan(*parked_state).empty() &&
                       parked_blocked_plan(*parked_state) == record.header(kafka::redrive_headers::kPlan).value_or(""));
  if (parked && !passes) {
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
  // Nothing later for a key overtakes what waits for it: the waiting ones are
  // tried first. If they still wait, this record is offered to the handler all
  // the same — it may be the one that makes the aggregate known (a handler
  // that does not know an aggregate answers not_yet_known for every record of
  // it, so nothing else can pass) — and the waiting ones follow it.
  const bool others_wait = waiting_->has_waiting(topic, record.key()) && !take_back(topic, record.key());
  if (apply(record, *envelope, nullptr, parked) == Disposition::applied && others_wait) {
    take_back(topic, record.key());
  }
}

void EventProcessor::control(const InputRecord& record, std::string_view what) {
  const auto topic = record.topic();
  store::WriteTxn txn;
  txn.set_offset(std::string(topic), record.partition(), record.offset() + 1);
  const auto for_service = record.header(kafka::redrive_headers::kService);
  const bool mine = for_service && *for_service == options_.service;
  std::optional<std::int64_t> pending_after;
  if (what == kafka::redrive_headers::kControlRelease && mine && options_.park_failed_keys) {
    if (auto state = store_.get(parked_key(topic, record.key()))) {
      const auto r = record.header(kafka::redrive_headers::kResolves);
      const std::int64_t resolves = r ? parse_count(*r).value_or(0) : 0;
      pending_after = std::max<std::int64_t>(0, decode_parked(*state) - resolves);
      if (*pending_after == 0) {
        txn.del(parked_key(topic, record.key()));
      } else {
        txn.put(parked_key(topic, record.key()), encode_parked(*pending_after, parked_blocked_plan(*state)));
      }
    }
  }
  if (!commit_or_retry(std::move(txn))) return;
  probe_->count(topic, "control");
  if (!pending_after) return;
  const auto plan = record.header(kafka::redrive_headers::kPlan).value_or("");
  if (*pending_after == 0) {
    log_.info("parked key released",
              {{"topic", std::string(topic)}, {"key", std::string(record.key())}, {"plan", std::string(plan)}});
  } else {
    log_.warn("release refused: dead letters of the key are still pending", {{"topic", std::string(topic)},
                                                                             {"key", std::string(record.key())},
                                                                             {"plan", std::string(plan)},
                                                                             {"pending", *pending_after}});
  }
}

EventProcessor::Disposition EventProcessor::apply(const InputRecord& record, const events::Envelope& envelope,
                                                  const WaitingRecord* taken_back, bool resolves_parked) {
  const auto topic = record.topic();
  const auto first_failed_at = std::chrono::system_clock::now();
  auto backoff = options_.retry_backoff_initial;
  for (int attempt = 1;; ++attempt) {
    obs::ScopedTimer timer(probe_->duration, {{"topic", std::string(topic)}});
    store::WriteTxn txn;
    HandlerOutcome outcome = handler_(ConsumedEvent{record, envelope, taken_back != nullptr}, txn);
    switch (outcome.kind()) {
      case HandlerOutcome::Kind::applied: {
        txn.mark_processed(envelope.id, {std::string(topic), record.partition(), record.offset()});
        if (taken_back) {
          waiting_->remove(txn, *taken_back);  // its offset was passed when it was set aside
        } else {
          txn.set_offset(std::string(topic), record.partition(), record.offset() + 1);
        }
        if (resolves_parked) {
          const auto key = parked_key(topic, record.key());
          if (auto state = store_.get(key)) {
            txn.put(key,
                    encode_parked(std::max<std::int64_t>(0, decode_parked(*state) - 1), parked_blocked_plan(*state)));
          }
        }
        if (!commit_or_retry(std::move(txn))) return Disposition::stopped;  // re-read (or re-taken) after restart
        timer.success();
        probe_->count(topic, "applied");
        if (taken_back) {
          waiting_->noted_removed(topic, record.key());
          waiting_total_ = waiting_->total();
          probe_->waiting.Set(static_cast<double>(waiting_->total()));
          probe_->count_waiting("released");
        }
        ++applied_total_;
        if (options_.on_applied_committed) options_.on_applied_committed();
        return Disposition::applied;
      }
      case HandlerOutcome::Kind::not_yet_known:
        timer.set_outcome("not_yet_known");
        if (taken_back) return Disposition::still_waiting;
        set_aside(record, outcome.reason());
        return Disposition::set_aside;
      case HandlerOutcome::Kind::permanent_failure:
        timer.set_outcome("permanent");
        dead_letter(record, kafka::ErrorClass::permanent, outcome.reason(), attempt, first_failed_at, false,
                    taken_back);
        return Disposition::dead_lettered;
      case HandlerOutcome::Kind::transient_failure:
        timer.set_outcome("transient");
        break;
    }
    if (attempt >= options_.max_attempts) {
      dead_letter(record, kafka::ErrorClass::transient_exhausted, outcome.reason(), attempt, first_failed_at, false,
                  taken_back);
      return Disposition::dead_lettered;
    }
    log_.warn("transient failure, retrying",
              {{"event_id", envelope.id}, {"attempt", attempt}, {"error", outcome.reason()}});
    if (!wait_backoff(backoff)) return Disposition::stopped;
    backoff = std::min(backoff * 2, options_.retry_backoff_max);
  }
}

void EventProcessor::set_aside(const InputRecord& record, const std::string& why) {
  const auto topic = record.topic();
  switch (waiting_->admission(topic, record.key())) {
    case WaitingRoom::Admission::admitted:
      break;
    case WaitingRoom::Admission::key_full:
      probe_->count_waiting("overflow");
      dead_letter(record, kafka::ErrorClass::permanent,
                  "waiting room full for this key: " + std::to_string(waiting_->options().max_per_key) +
                      " records already wait for its aggregate (" + why + ")",
                  1, std::chrono::system_clock::now(), false);
      return;
    case WaitingRoom::Admission::room_full:
      probe_->count_waiting("overflow");
      dead_letter(record, kafka::ErrorClass::permanent,
                  "waiting room full: " + std::to_string(waiting_->options().max_total) +
                      " records wait for their aggregates in total (" + why + ")",
                  1, std::chrono::system_clock::now(), false);
      return;
  }
  const auto now = std::chrono::system_clock::now();
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const auto& view = record.view();
  WaitingRecord w;
  w.record = kafka::ConsumedRecord{
      std::string(view.topic), view.partition,          view.offset,
      std::string(view.key),   std::string(view.value), kafka::Headers(view.headers.begin(), view.headers.end())};
  w.timestamp_ms = record.timestamp_ms();
  w.waiting_since_ms = now_ms;
  w.deadline_ms = now_ms + waiting_->options().grace.count();
  w.reason = why;
  store::WriteTxn txn;
  waiting_->set_aside(txn, w);
  txn.set_offset(std::string(topic), record.partition(), record.offset() + 1);
  if (!commit_or_retry(std::move(txn))) return;  // stopping: re-read after restart
  waiting_->noted_set_aside(topic, record.key());
  waiting_total_ = waiting_->total();
  probe_->waiting.Set(static_cast<double>(waiting_->total()));
  probe_->count(topic, "set_aside");
  probe_->count_waiting("set_aside");
  log_.info("record set aside until its aggregate is known", {{"topic", std::string(topic)},
                                                              {"partition", record.partition()},
                                                              {"offset", record.offset()},
                                                              {"key", std::string(record.key())},
                                                              {"reason", why}});
}

bool EventProcessor::take_back(std::string_view topic, std::string_view key) {
  for (const auto& w : waiting_->waiting(topic, key)) {
    if (stopping_) return false;
    if (!owns(w.record.topic, w.record.partition)) return false;  // another replica's now; it re-reads them
    const InputRecord record(w.record.view(), w.timestamp_ms);
    if (options_.park_failed_keys && store_.get(parked_key(topic, key))) {
      dead_letter(record, kafka::ErrorClass::permanent,
                  "key is parked behind an earlier dead letter; replay or discard that one first", 0,
                  std::chrono::system_clock::now(), /*parked=*/true, &w);
      continue;
    }
    auto envelope = events::parse_envelope(record.value());
    if (!envelope) {  // it parsed when it was set aside: only a damaged store gets here
      dead_letter(record, kafka::ErrorClass::permanent, "invalid envelope: " + envelope.error().message, 1,
                  std::chrono::system_clock::now(), false, &w);
      continue;
    }
    if (store_.is_processed(envelope->id)) {
      drop_taken_back(w, "duplicate");
      continue;
    }
    obs::CorrelationScope correlation(envelope->correlationid);
    const auto d = apply(record, *envelope, &w);
    if (d == Disposition::still_waiting || d == Disposition::stopped) return false;
  }
  return !waiting_->has_waiting(topic, key);
}

bool EventProcessor::settled() const {
  if (!caught_up_.load()) return false;
  std::lock_guard lock(release_mutex_);
  return !releases_pending_;
}

void EventProcessor::release(std::string key) {
  std::lock_guard lock(release_mutex_);
  releases_pending_ = true;
  if (release_requests_.size() >= options_.waiting.max_total) {
    release_overflow_ = true;  // everything is tried again instead
    return;
  }
  release_requests_.push_back(std::move(key));
}

void EventProcessor::serve_waiting_room() {
  std::vector<std::string> released;
  bool recheck_all = false;
  {
    std::lock_guard lock(release_mutex_);
    released.swap(release_requests_);
    recheck_all = std::exchange(release_overflow_, false);
  }
  // Releases asked while these are served (a record taken back made another
  // step known) keep the processor unsettled until a later round serves them.
  const auto served = [this] {
    std::lock_guard lock(release_mutex_);
    if (release_requests_.empty() && !release_overflow_) releases_pending_ = false;
  };
  if (waiting_->total() == 0) {
    served();
    return;
  }
  for (const auto& key : released) {
    for (const auto& topic : options_.topics) {
      if (waiting_->has_waiting(topic, key)) take_back(topic, key);
    }
  }
  const auto now = Clock::now();
  if (recheck_all || now >= next_recheck_) {
    next_recheck_ = now + options_.waiting.recheck_interval;
    for (const auto& [topic, key] : waiting_->keys()) take_back(topic, key);
  }
  served();
  if (now >= next_expiry_check_) {
    next_expiry_check_ =
        now + std::min<std::chrono::milliseconds>(options_.waiting.grace / 10 + std::chrono::milliseconds(1),
                                                  std::chrono::milliseconds(1000));
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    for (const auto& w : waiting_->overdue(
             now_ms, 256, [this](const WaitingRecord& r) { return owns(r.record.topic, r.record.partition); })) {
      if (stopping_) return;
      expire(w);
    }
  }
}

void EventProcessor::expire(const WaitingRecord& w) {
  const InputRecord record(w.record.view(), w.timestamp_ms);
  const auto grace_s = std::chrono::duration_cast<std::chrono::duration<double>>(waiting_->options().grace).count();
  char grace[32];
  std::snprintf(grace, sizeof grace, "%g", grace_s);
  probe_->count_waiting("expired");
  dead_letter(record, kafka::ErrorClass::permanent,
              "aggregate '" + w.record.key + "' not known within the grace period of " + grace +
                  " s; the record waited for it since it was set aside (" + w.reason + ")",
              1, std::chrono::system_clock::time_point(std::chrono::milliseconds(w.waiting_since_ms)), false, &w);
}

void EventProcessor::drop_taken_back(const WaitingRecord& w, const char* outcome) {
  store::WriteTxn txn;
  waiting_->remove(txn, w);
  if (!commit_or_retry(std::move(txn))) return;
  waiting_->noted_removed(w.record.topic, w.record.key);
  waiting_total_ = waiting_->total();
  probe_->waiting.Set(static_cast<double>(waiting_->total()));
  probe_->count(w.record.topic, outcome);
  probe_->count_waiting(outcome);
}

bool EventProcessor::owns(std::string_view topic, std::int32_t partition) const {
  return std::any_of(assigned_.begin(), assigned_.end(),
                     [&](const kafka::TopicPartition& tp) { return tp.partition == partition && tp.topic == topic; });
}

void EventProcessor::dead_letter(const InputRecord& record, kafka::ErrorClass error_class, const std::string& why,
                                 int attempts, std::chrono::system_clock::time_point first_failed_at, bool parked,
                                 const WaitingRecord* taken_back) {
  kafka::DlqInfo info{error_class, why, attempts, first_failed_at, parked, options_.park_failed_keys};
  store::WriteTxn txn;
  // Through the outbox, in the same batch as the offset (or, for a record
  // taken back from the waiting room, as its removal): never lost, never doubled.
  txn.enqueue(kafka::make_dlq_record(options_.service, record.view(), info));
  if (taken_back) {
    waiting_->remove(txn, *taken_back);
  } else {
    txn.set_offset(std::string(record.topic()), record.partition(), record.offset() + 1);
  }
  if (options_.park_failed_keys) {
    // One more pending dead letter for the key; a redriven one that failed
    // again replaces itself (it was pending already).
    const auto key = parked_key(record.topic(), record.key());
    const auto state = store_.get(key);
    const auto plan = record.header(kafka::redrive_headers::kPlan);
    const bool redriven = plan && record.header(kafka::redrive_headers::kService).has_value();
    const std::int64_t pending = state ? decode_parked(*state) : 0;
    if (redriven) {
      txn.put(key, encode_parked(std::max<std::int64_t>(pending, 1), *plan));
    } else {
      txn.put(key, encode_parked(pending + 1, state ? parked_blocked_plan(*state) : std::string_view{}));
    }
  }
  if (!commit_or_retry(std::move(txn))) return;
  if (taken_back) {
    waiting_->noted_removed(record.topic(), record.key());
    waiting_total_ = waiting_->total();
    probe_->waiting.Set(static_cast<double>(waiting_->total()));
  }
  probe_->count(record.topic(), "dead_lettered");
  (error_class == kafka::ErrorClass::permanent ? probe_->dead_letters_permanent : probe_->dead_letters_transient)
      .Increment();
  if (parked) probe_->parked.Increment();
  probe_->last_dead_letter.Set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  log_.warn("record dead-lettered", {{"topic", std::string(record.topic())},
                                     {"partition", record.partition()},
                                     {"offset", record.offset()},
                                     {"error_class", std::string(kafka::to_string(error_class))},
                                     {"error", why},
                                     {"parked", parked}});
}

void EventProcessor::advance_offset_only(const InputRecord& record) {
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
