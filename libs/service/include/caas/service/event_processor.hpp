#pragma once
// EventProcessor: the consumer loop every service runs (DESIGN.md §3–§5).
//
// For each record of its topics, in partition order:
//   1. skip it if the store's offset for the partition is already past it
//      (the group's committed offset is only a hint; the store is the truth);
//   2. parse the CloudEvents envelope and validate `data` against its schema;
//   3. skip it if its event id was already processed (at-least-once input);
//   4. call the handler with a WriteTxn; the handler adds its state change and
//      the events to emit (outbox); the processor adds the processed id and
//      the next offset and commits the whole batch atomically.
// A record that fails permanently (bad envelope, schema, handler says so) or
// exhausts its transient retries is written to the service's DLQ topic
// through the outbox, in the same atomic batch that advances the offset, so a
// dead letter is never lost and never doubled. With `park_failed_keys`, later
// records of a dead-lettered key follow it into the DLQ (marked parked) so an
// aggregate never applies events out of order. An operator's redrive sends the
// key's dead letters back (headers kafka::redrive_headers), they are applied
// in order, and a release marker behind them unparks the key once none of its
// dead letters is pending; `dlq discard` sends only the marker.
//
// A record for an aggregate the handler does not know yet (`not_yet_known`)
// never waits in the partition's path: it is set aside in the WaitingRoom in
// the atomic batch that advances the offset, later records of its key queue
// behind it, and it is taken back — in order — once the aggregate is known
// (release(), or the periodic re-check), or dead-lettered when its grace ends.
//
// An empty store means "replay from the beginning": partitions without a
// stored offset start at the earliest offset.

#include <caas/events/envelope.hpp>
#include <caas/events/schema_registry.hpp>
#include <caas/kafka/config.hpp>
#include <caas/kafka/consumer.hpp>
#include <caas/kafka/dlq.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/record_source.hpp>
#include <caas/service/waiting_room.hpp>
#include <caas/store/state_store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace caas::service {

/// One input record as a handler sees it: straight from the consumer, or
/// taken back from the waiting room. A view, valid during the handler call.
class InputRecord {
 public:
  explicit InputRecord(const kafka::ConsumedRecordView& view, std::int64_t timestamp_ms = -1)
      : view_(view), timestamp_ms_(timestamp_ms) {}
  std::string_view topic() const { return view_.topic; }
  std::int32_t partition() const { return view_.partition; }
  std::int64_t offset() const { return view_.offset; }
  std::string_view key() const { return view_.key; }
  std::string_view value() const { return view_.value; }
  std::span<const kafka::Header> headers() const { return view_.headers; }
  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& h : view_.headers) {
      if (h.key == name) return std::string_view{h.value};
    }
    return std::nullopt;
  }
  /// Broker/producer timestamp in ms since epoch, -1 if none.
  std::int64_t timestamp_ms() const { return timestamp_ms_; }
  const kafka::ConsumedRecordView& view() const { return view_; }

 private:
  kafka::ConsumedRecordView view_;
  std::int64_t timestamp_ms_;
};

/// What a handler sees: the raw record and its parsed, validated envelope.
struct ConsumedEvent {
  const InputRecord& record;
  const events::Envelope& envelope;
  /// The record had been set aside for its aggregate and is taken back now.
  bool from_waiting_room = false;
};

/// A handler's verdict. Transient failures are retried with backoff;
/// permanent ones go to the DLQ at once; `not_yet_known` sets the record
/// aside until its aggregate (the record's key) is known — the handler must
/// have added nothing to the transaction.
class HandlerOutcome {
 public:
  enum class Kind { applied, permanent_failure, transient_failure, not_yet_known };
  static HandlerOutcome applied() { return {Kind::applied, {}}; }
  static HandlerOutcome permanent(std::string why) { return {Kind::permanent_failure, std::move(why)}; }
  static HandlerOutcome transient(std::string why) { return {Kind::transient_failure, std::move(why)}; }
  static HandlerOutcome not_yet_known(std::string why) { return {Kind::not_yet_known, std::move(why)}; }
  Kind kind() const { return kind_; }
  const std::string& reason() const { return reason_; }

 private:
  HandlerOutcome(Kind kind, std::string reason) : kind_(kind), reason_(std::move(reason)) {}
  Kind kind_;
  std::string reason_;
};

/// Must be deterministic given the store and the event (replay relies on it)
/// and must not touch the store except through `txn`.
using EventHandler = std::function<HandlerOutcome(const ConsumedEvent&, store::WriteTxn& txn)>;

struct EventProcessorOptions {
  std::string service;              // DLQ topic caas.dlq.<service>.v1, metric label
  std::vector<std::string> topics;  // input topics
  std::string group_id;             // consumer group (replicas share it)
  bool validate_schema = true;
  bool park_failed_keys = false;  // per-key ordering (order and OTA state)
  int max_attempts = 5;           // transient attempts before the DLQ
  std::chrono::milliseconds retry_backoff_initial{100};
  std::chrono::milliseconds retry_backoff_max{5000};
  std::chrono::milliseconds poll_timeout{100};
  /// Committing store offsets to the group is only a hint for tools and lag
  /// metrics, so it is done periodically, asynchronously.
  std::chrono::milliseconds group_commit_interval{1000};
  /// Backpressure: above this many undelivered outbox entries, fetching is
  /// paused until the relay catches up.
  std::size_t max_outbox_pending = 10000;
  /// Called on the processor thread each time every assigned partition has
  /// been read to its end (replay caught up).
  std::function<void()> on_caught_up;
  /// Called on the processor thread once an `applied` outcome has been
  /// committed: work the handler staged (e.g. deliveries for a worker) may
  /// be handed on only when it is durable. A handler that is called again
  /// (a transient failure, a failed commit) must drop what it staged before.
  std::function<void()> on_applied_committed;
  /// Records whose aggregate is not known yet (HandlerOutcome::not_yet_known).
  WaitOptions waiting{};
  /// librdkafka statistics of the processor's consumer (consumer lag); the
  /// runtime sets both from CAAS_KAFKA_STATS_INTERVAL_MS. 0 = off.
  std::chrono::milliseconds stats_interval{0};
  kafka::StatsCallback on_stats{};
};

class EventProcessor {
 public:
  /// `outbox_pending` reports undelivered outbox entries (the relay's count)
  /// for backpressure. Everything passed by reference must outlive the
  /// processor.
  EventProcessor(EventProcessorOptions options, kafka::ClientConfig client, store::StateStore& store,
                 const events::SchemaRegistry& schemas, const observability::Logger& log,
                 observability::Metrics& metrics, EventHandler handler,
                 std::function<std::size_t()> outbox_pending = {});
  /// The same, reading from the sources `make_source` makes (unit tests).
  EventProcessor(EventProcessorOptions options, RecordSourceFactory make_source, store::StateStore& store,
                 const events::SchemaRegistry& schemas, const observability::Logger& log,
                 observability::Metrics& metrics, EventHandler handler,
                 std::function<std::size_t()> outbox_pending = {});
  ~EventProcessor();  // stop()
  EventProcessor(const EventProcessor&) = delete;
  EventProcessor& operator=(const EventProcessor&) = delete;

  /// Subscribes and starts the loop thread. Throws on bad configuration.
  void start();
  /// Finishes the record in hand, commits offsets to the group, leaves it.
  void stop();
  /// Every assigned partition has been read to its end at least once since
  /// the last rebalance (readiness: "replay caught up").
  bool caught_up() const { return caught_up_.load(); }
  /// caught_up() and no release() is still to be served: every record read
  /// so far that can be applied has been (records a release takes back out
  /// of the waiting room included). Gate side effects of a replay on this.
  bool settled() const;
  /// Records waiting for `key` on `topic`, read from the store (any thread).
  std::vector<WaitingRecord> waiting_records(std::string_view topic, std::string_view key) const {
    return waiting_->stored(topic, key);
  }
  std::uint64_t applied_total() const { return applied_total_.load(); }
  /// The aggregate `key` is known now: its waiting records (on any of this
  /// processor's topics) are taken back on the loop thread, in arrival order.
  /// Thread-safe; call it after the commit that made the aggregate known.
  void release(std::string key);
  /// Records set aside in the waiting room now (tests, diagnostics).
  std::size_t waiting_total() const { return waiting_total_.load(); }

 private:
  struct Probe;
  // What became of one record handed to apply().
  enum class Disposition { applied, dead_lettered, set_aside, still_waiting, stopped };

  void run();
  void process(const Polled& polled);
  // `resolves_parked`: an operator's redrive of a dead letter of a parked
  // key; once applied, one fewer of the key's dead letters is pending.
  Disposition apply(const InputRecord& record, const events::Envelope& envelope, const WaitingRecord* taken_back,
                    bool resolves_parked = false);
  // An operator's control record (a release marker): never reaches the handler.
  void control(const InputRecord& record, std::string_view what);
  void set_aside(const InputRecord& record, const std::string& why);
  bool take_back(std::string_view topic, std::string_view key);  // true when nothing waits for the key any more
  void serve_waiting_room();
  void expire(const WaitingRecord& waiting);
  void drop_taken_back(const WaitingRecord& waiting, const char* outcome);
  bool owns(std::string_view topic, std::int32_t partition) const;
  void dead_letter(const InputRecord& record, kafka::ErrorClass error_class, const std::string& why, int attempts,
                   std::chrono::system_clock::time_point first_failed_at, bool parked,
                   const WaitingRecord* taken_back = nullptr);
  void advance_offset_only(const InputRecord& record);
  bool commit_or_retry(store::WriteTxn&& txn);
  void update_backpressure();
  void commit_group_offsets(bool async);
  bool wait_backoff(std::chrono::milliseconds delay);  // false when stopping

  EventProcessorOptions options_;
  RecordSourceFactory make_source_;
  store::StateStore& store_;
  const events::SchemaRegistry& schemas_;
  observability::Logger log_;
  EventHandler handler_;
  std::function<std::size_t()> outbox_pending_;
  std::unique_ptr<Probe> probe_;

  std::unique_ptr<RecordSource> consumer_;  // used only by the loop thread after start()
  std::vector<kafka::TopicPartition> assigned_;
  std::vector<kafka::TopicPartition> at_end_;
  bool paused_ = false;
  std::chrono::steady_clock::time_point last_group_commit_{};
  std::unique_ptr<WaitingRoom> waiting_;  // loop thread only
  std::chrono::steady_clock::time_point next_recheck_{};
  std::chrono::steady_clock::time_point next_expiry_check_{};
  std::atomic<std::size_t> waiting_total_{0};
  mutable std::mutex release_mutex_;
  std::vector<std::string> release_requests_;  // bounded: past the room's size a full re-check replaces them
  bool release_overflow_ = false;
  bool releases_pending_ = false;  // under release_mutex_: set by release(), cleared once served

  std::atomic<bool> stopping_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<std::uint64_t> applied_total_{0};
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;
  std::thread thread_;
};

/// Every parked key's state key starts with this (caas_dlq_parked_keys counts them).
inline constexpr std::string_view kParkedPrefix = "__parked/";
/// The state key under which a dead-lettered aggregate key is parked.
std::string parked_key(std::string_view topic, std::string_view record_key);
/// The parked state's value: how many dead letters of the key are pending
/// (not yet redriven and applied, nor discarded), "pending=<n>". A key is
/// released by a release marker only when none is pending.
/// "pending=<n> blocked=<plan>" once a record of that redrive plan failed
/// again: the plan's later records of the key then park behind it.
std::string encode_parked(std::int64_t pending, std::string_view blocked_plan = {});
/// The pending count of a parked state; an older value (the first dead
/// letter's offset) reads as 1 pending.
std::int64_t decode_parked(std::string_view value);
/// The plan whose redrive failed again for the key, empty if none.
std::string_view parked_blocked_plan(std::string_view value);

}  // namespace caas::service
