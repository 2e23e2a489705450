#pragma once
// caasctl's view of a Kafka cluster: metadata, watermarks, bounded reads
// (to the end as of the start, or following), group offsets, producing.
// Built on caas::kafka (librdkafka); works against the local broker and a
// real cluster (SASL/TLS through a librdkafka properties file).

#include "cli/args.hpp"

#include <caas/core/result.hpp>
#include <caas/kafka/consumer.hpp>
#include <caas/kafka/producer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace caas::ctl {

struct ConnectOptions {
  std::string bootstrap;                          // --bootstrap or CAAS_KAFKA_BOOTSTRAP
  std::map<std::string, std::string> properties;  // --config F (librdkafka properties)
  std::chrono::milliseconds timeout{10000};       // every request and every idle read
};

/// A librdkafka properties file: `key=value` lines, `#` comments, blank
/// lines; bootstrap.servers may be among them.
Result<std::map<std::string, std::string>> load_properties(const std::string& path);
Result<std::map<std::string, std::string>> parse_properties(std::string_view text);

struct PartitionInfo {
  std::int32_t partition = 0;
  std::int64_t low = 0;
  std::int64_t high = 0;
};
struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
};

struct ReadRequest {
  std::vector<std::string> topics;
  OffsetSpec from{};
  /// Per topic and partition: read exactly these partitions, from here
  /// (resume scans). When set, `from` and `partitions` are not used.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> from_offsets{};
  /// Only these partitions (empty = all).
  std::vector<std::int32_t> partitions{};
  bool follow = false;
  const std::atomic<bool>* interrupted = nullptr;  // SIGINT/SIGTERM: stop reading
};

/// Return false to stop reading.
using OnRecord = std::function<bool(const kafka::Message&)>;

struct GroupOffset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t committed = -1;
  std::int64_t high = 0;
};

class Cluster {
 public:
  /// Fills the bootstrap from the properties when not given; refuses a
  /// missing bootstrap or a configuration librdkafka does not accept.
  static Result<std::unique_ptr<Cluster>> connect(ConnectOptions options);
  explicit Cluster(ConnectOptions options);  // use connect()
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Every topic the brokers know (internal "__" topics left out unless asked).
  Result<std::vector<TopicInfo>> topics(bool include_internal = false);
  Result<std::vector<PartitionInfo>> partitions(const std::string& topic);
  /// Reads every partition of `request.topics` from `from` up to its high
  /// watermark as of the call (or on, with follow). Records of one partition
  /// arrive in order.
  Result<void> read(const ReadRequest& request, const OnRecord& on_record);
  Result<std::vector<std::string>> groups();
  /// The group's committed offset per partition of `topics` (partitions
  /// without one are left out).
  Result<std::vector<GroupOffset>> group_offsets(const std::string& group, const std::vector<std::string>& topics);
  /// Sends and waits for the broker's acknowledgement.
  Result<kafka::DeliveryReport> produce(kafka::Record record);
  const ConnectOptions& options() const { return options_; }

 private:
  kafka::ClientConfig client(const std::string& id) const;
  kafka::Producer& producer();

  ConnectOptions options_;
  std::unique_ptr<kafka::Consumer> meta_;  // replay mode, for metadata and watermarks
  std::unique_ptr<kafka::Producer> producer_;
};

}  // namespace caas::ctl
