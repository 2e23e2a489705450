#pragma once
// The few figures operators watch, taken from librdkafka's statistics JSON
// (STATISTICS.md: emitted every statistics.interval.ms to the stats
// callback): the producer's local queue and, per consumed partition, the
// consumer lag. parse_statistics() reads one document; it never throws.

#include <caas/core/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace caas::kafka {

struct PartitionLag {
  std::string topic;
  std::int32_t partition = 0;
  /// High watermark minus the application's position ("hi_offset" -
  /// "app_offset"), or librdkafka's "consumer_lag" (against the committed
  /// offset) before the first record; partitions whose lag is not known yet
  /// are left out.
  std::int64_t lag = 0;
};

struct ClientStatistics {
  std::string client;  // "name": client.id#type-N
  std::string type;    // "producer" | "consumer"
  /// "msg_cnt" / "msg_size": records (bytes) in the client's queues, i.e.
  /// accepted but not yet acknowledged by a broker (producer).
  std::int64_t queue_messages = 0;
  std::int64_t queue_bytes = 0;
  /// Consumer only: partitions fetched by this client (fetch_state "active").
  std::vector<PartitionLag> lags;
};

/// Parses one statistics document. Error on invalid JSON or when the
/// top-level fields "name", "type", "msg_cnt" are missing.
Result<ClientStatistics> parse_statistics(std::string_view json);

}  // namespace caas::kafka
