#pragma once
// Kafka consumer with manual offset control. Two modes:
//  * group mode (group.id set): subscribe(); partitions are handed out by the
//    group's EAGER assignor ("range" by default, "roundrobin" configurable —
//    every rebalance revokes everything, then assigns). on_assigned may set
//    each partition's starting offset, so a service can resume from offsets
//    kept in its own store (transactional outbox) instead of the group's.
//  * replay mode (no group or not subscribed): assign() explicit partitions
//    and offsets; list_partitions()/query_watermarks() tell where the end is.
// Nothing is committed automatically (enable.auto.commit=false,
// enable.auto.offset.store=false). All callbacks run inside poll(), on the
// caller's thread. A Consumer is NOT thread-safe: one thread owns it.

#include <caas/core/result.hpp>
#include <caas/kafka/config.hpp>
#include <caas/kafka/error.hpp>
#include <caas/kafka/record.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace caas::kafka {

/// Special offsets (librdkafka's values).
inline constexpr std::int64_t kOffsetBeginning = RD_KAFKA_OFFSET_BEGINNING;  // -2
inline constexpr std::int64_t kOffsetEnd = RD_KAFKA_OFFSET_END;              // -1
/// "Use the group's committed offset, else auto.offset.reset."
inline constexpr std::int64_t kOffsetStored = RD_KAFKA_OFFSET_STORED;  // -1000

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  bool operator==(const TopicPartition&) const = default;
};

/// For commit(): `offset` is the NEXT offset to consume (last processed + 1),
/// as in Kafka. For assign()/on_assigned: the first offset to read, or one of
/// the special offsets above.
struct TopicPartitionOffset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = kOffsetStored;
  bool operator==(const TopicPartitionOffset&) const = default;
};

struct PartitionWatermarks {
  std::int32_t partition = 0;
  std::int64_t low = 0;   // first offset still stored
  std::int64_t high = 0;  // offset the next produced record will get
};

/// A non-owning view of one consumed record (what the DLQ needs). Valid as
/// long as the Message / ConsumedRecord it came from.
struct ConsumedRecordView {
  std::string_view topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string_view key;
  std::string_view value;
  std::span<const Header> headers;
};

/// An owning copy of a consumed record (tests, buffers that outlive poll()).
struct ConsumedRecord {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string key;
  std::string value;
  Headers headers;
  ConsumedRecordView view() const { return {topic, partition, offset, key, value, headers}; }
};

/// One result of poll(): a record, or an error/event (check error() first).
/// Owns the rd_kafka_message_t; movable, not copyable.
class Message {
 public:
  explicit Message(rd_kafka_message_t* msg);  // takes ownership
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;

  /// Empty for a record. __PARTITION_EOF (only with enable_partition_eof)
  /// means "caught up on partition()" and is not a failure.
  std::error_code error() const;
  std::string error_message() const;
  bool is_partition_eof() const;

  std::string_view topic() const;
  std::int32_t partition() const;
  std::int64_t offset() const;
  std::string_view key() const;
  std::string_view value() const;
  const Headers& headers() const { return headers_; }
  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers_, name); }
  /// Broker/producer timestamp in ms since epoch, -1 if none.
  std::int64_t timestamp_ms() const;

  ConsumedRecordView view() const;
  ConsumedRecord to_record() const;
  rd_kafka_message_t* raw() const { return msg_.get(); }

 private:
  struct Deleter {
    void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
  };
  std::unique_ptr<rd_kafka_message_t, Deleter> msg_;
  Headers headers_;  // parsed once: views stay valid for the Message's life
};

using OnAssigned = std::function<void(std::vector<TopicPartitionOffset>& assigned)>;
using OnRevoked = std::function<void(const std::vector<TopicPartition>& revoked)>;

struct ConsumerOptions {
  /// group.id; empty = replay mode only (subscribe/commit fail).
  std::string group_id{};
  /// auto.offset.reset when no committed offset exists: earliest|latest|error.
  std::string auto_offset_reset = "earliest";
  /// partition.assignment.strategy. Eager assignors only ("range",
  /// "roundrobin"); "cooperative-sticky" also works (incremental assign).
  std::string assignor = "range";
  /// enable.partition.eof: poll() returns an EOF event per partition when it
  /// reaches the end (useful for "caught up" detection).
  bool enable_partition_eof = false;
  std::chrono::milliseconds session_timeout{10000};
  /// Longest close() waits to leave the group. librdkafka's own close has no
  /// deadline, and with the brokers gone it never returns.
  std::chrono::milliseconds close_timeout{10000};
  /// Called on assignment with offsets preset to kOffsetStored; may change
  /// any of them (e.g. to the offset stored next to the service state).
  OnAssigned on_assigned{};
  /// Called before partitions are taken away: commit/flush what you have.
  OnRevoked on_revoked{};
  /// statistics.interval.ms; 0 disables. Needs on_stats, which runs inside
  /// poll() (consumer lag per partition: parse_statistics()).
  std::chrono::milliseconds stats_interval{0};
  StatsCallback on_stats{};
};

class Consumer {
 public:
  /// Throws std::runtime_error / std::invalid_argument on bad configuration.
  Consumer(const ClientConfig& config, ConsumerOptions options);
  /// close() (leaves the group cleanly), then destroys the handle.
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  Result<void> subscribe(const std::vector<std::string>& topics);
  Result<void> unsubscribe();
  /// Replay mode: consume exactly these partitions from these offsets
  /// (replaces any previous assignment; no group membership needed).
  Result<void> assign(const std::vector<TopicPartitionOffset>& partitions);
  Result<void> unassign();
  /// Current assignment (after a rebalance or assign()).
  Result<std::vector<TopicPartition>> assignment() const;

  /// Waits up to `timeout` for the next record or event; nullopt on timeout.
  /// Rebalance callbacks run inside this call.
  std::optional<Message> poll(std::chrono::milliseconds timeout);

  /// Commits offsets (next offset to read) for the group. async=true returns
  /// immediately; the outcome is only logged.
  Result<void> commit(const std::vector<TopicPartitionOffset>& offsets, bool async = false);
  /// Commits msg.offset()+1 for msg's partition.
  Result<void> commit_message(const Message& msg, bool async = false);
  /// The group's committed offsets for `partitions` (kOffsetStored/-1001 = none).
  Result<std::vector<TopicPartitionOffset>> committed(const std::vector<TopicPartition>& partitions,
                                                      std::chrono::milliseconds timeout = std::chrono::milliseconds{
                                                          5000});

  /// Stop/restart fetching from these partitions (backpressure) without
  /// losing the assignment. Position is kept.
  Result<void> pause(const std::vector<TopicPartition>& partitions);
  Result<void> resume(const std::vector<TopicPartition>& partitions);
  /// Moves the fetch position of an assigned partition.
  Result<void> seek(const TopicPartitionOffset& position,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds{5000});

  /// Partition ids of `topic`, from broker metadata.
  Result<std::vector<std::int32_t>> list_partitions(const std::string& topic,
                                                    std::chrono::milliseconds timeout = std::chrono::milliseconds{
                                                        5000});
  /// Low/high watermarks of every partition of `topic`: a replay is caught up
  /// on a partition once it has consumed offset high-1 (or high == low).
  Result<std::vector<PartitionWatermarks>> query_watermarks(
      const std::string& topic, std::chrono::milliseconds timeout = std::chrono::milliseconds{5000});

  /// Leaves the group (runs on_revoked) and stops fetching, for at most
  /// options.close_timeout; returns false if it gave up (brokers unreachable:
  /// the group notices through the session timeout instead). Idempotent; the
  /// consumer is unusable afterwards.
  bool close();

  rd_kafka_t* raw() const { return rk_.get(); }

 private:
  struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const noexcept;
  };
  static void rebalance_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                                   void* opaque);
  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  static int stats_trampoline(rd_kafka_t* rk, char* json, std::size_t len, void* opaque);

  ConsumerOptions options_;
  std::unique_ptr<rd_kafka_t, HandleDeleter> rk_;
  bool closed_ = false;
  bool closed_cleanly_ = false;
};

}  // namespace caas::kafka
