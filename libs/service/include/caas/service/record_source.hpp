#pragma once
// RecordSource: what an EventProcessor reads from. In a service it is the
// Kafka consumer (KafkaRecordSource); in the processor's unit tests it is a
// scripted source, so dedup, dead letters, parking and the waiting room are
// tested without a broker. The interface is the few calls the processor
// makes, nothing more.

#include <caas/core/result.hpp>
#include <caas/kafka/consumer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace caas::service {

/// One result of RecordSource::poll(): a record, the end of a partition, or
/// an error. Holds the consumer's message as it is (no copy) or, from a
/// scripted source, an owned record.
class Polled {
 public:
  explicit Polled(kafka::Message message) : item_(std::move(message)) {}
  static Polled record(kafka::ConsumedRecord record, std::int64_t timestamp_ms = -1) {
    return Polled(Owned{std::move(record), timestamp_ms, Owned::Kind::record, {}});
  }
  static Polled partition_eof(std::string topic, std::int32_t partition) {
    kafka::ConsumedRecord r;
    r.topic = std::move(topic);
    r.partition = partition;
    return Polled(Owned{std::move(r), -1, Owned::Kind::eof, {}});
  }
  static Polled error(std::string message) { return Polled(Owned{{}, -1, Owned::Kind::error, std::move(message)}); }

  bool is_partition_eof() const;
  bool is_error() const;
  std::string error_message() const;
  std::string_view topic() const;
  std::int32_t partition() const;
  /// The record (valid while this Polled lives); only when neither EOF nor error.
  kafka::ConsumedRecordView view() const;
  std::int64_t timestamp_ms() const;

 private:
  struct Owned {
    enum class Kind { record, eof, error };
    kafka::ConsumedRecord record;
    std::int64_t timestamp_ms;
    Kind kind;
    std::string error;
  };
  explicit Polled(Owned owned) : item_(std::move(owned)) {}
  std::variant<kafka::Message, Owned> item_;
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  virtual Result<void> subscribe(const std::vector<std::string>& topics) = 0;
  /// The next record or event, nullopt on timeout. The assignment callbacks
  /// given at construction run inside this call, on the caller's thread.
  virtual std::optional<Polled> poll(std::chrono::milliseconds timeout) = 0;
  virtual Result<void> pause(const std::vector<kafka::TopicPartition>& partitions) = 0;
  virtual Result<void> resume(const std::vector<kafka::TopicPartition>& partitions) = 0;
  /// Group offsets (a hint for tools and lag, DESIGN.md §5).
  virtual Result<void> commit(const std::vector<kafka::TopicPartitionOffset>& offsets, bool async) = 0;
  /// Leaves the group, bounded; false if it gave up.
  virtual bool close() = 0;
};

/// Makes the source for a processor from the consumer options it needs
/// (group, offset reset, partition EOF, assignment callbacks).
using RecordSourceFactory = std::function<std::unique_ptr<RecordSource>(kafka::ConsumerOptions options)>;

/// The production source: a kafka::Consumer.
class KafkaRecordSource final : public RecordSource {
 public:
  KafkaRecordSource(const kafka::ClientConfig& client, kafka::ConsumerOptions options)
      : consumer_(client, std::move(options)) {}
  Result<void> subscribe(const std::vector<std::string>& topics) override { return consumer_.subscribe(topics); }
  std::optional<Polled> poll(std::chrono::milliseconds timeout) override {
    auto m = consumer_.poll(timeout);
    if (!m) return std::nullopt;
    return Polled(std::move(*m));
  }
  Result<void> pause(const std::vector<kafka::TopicPartition>& p) override { return consumer_.pause(p); }
  Result<void> resume(const std::vector<kafka::TopicPartition>& p) override { return consumer_.resume(p); }
  Result<void> commit(const std::vector<kafka::TopicPartitionOffset>& offsets, bool async) override {
    return consumer_.commit(offsets, async);
  }
  bool close() override { return consumer_.close(); }

 private:
  kafka::Consumer consumer_;
};

}  // namespace caas::service
