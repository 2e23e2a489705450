#pragma once
// KafkaStatsCollector: turns librdkafka's statistics (every
// CAAS_KAFKA_STATS_INTERVAL_MS) into the metrics every service exposes:
//
//   kafka_consumer_lag{topic,partition,group}   records behind the high watermark
//   kafka_producer_queue_messages{client}       records accepted, not yet acknowledged
//   kafka_producer_queue_bytes{client}          their size
//
// Each client's latest statistics replace its previous ones, so a revoked
// partition's lag disappears with the next report. The runtime registers one
// collector with the service's Metrics and hands out callbacks per client;
// the callbacks only parse and swap a snapshot under a mutex, the exposition
// is built at scrape time.

#include <caas/kafka/config.hpp>
#include <caas/kafka/statistics.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace caas::service {

class KafkaStatsCollector final : public prometheus::Collectable {
 public:
  /// Records one statistics document of client `client` (its client.id;
  /// `group` is the consumer group, empty for a producer). Returns false when
  /// the document could not be parsed (the previous snapshot stays).
  bool update(const std::string& client, const std::string& group, std::string_view json);
  /// Drops a client's snapshot (a consumer that was closed).
  void forget(const std::string& client);
  /// How many documents failed to parse (also exposed as
  /// kafka_statistics_errors_total).
  std::uint64_t parse_errors() const;

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Snapshot {
    std::string group;
    kafka::ClientStatistics stats;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Snapshot> clients_;
  std::uint64_t parse_errors_ = 0;
};

/// A stats callback for ProducerOptions/ConsumerOptions::on_stats; it keeps
/// the collector alive as long as the client holds it.
kafka::StatsCallback stats_callback(std::shared_ptr<KafkaStatsCollector> collector, std::string client,
                                    std::string group = {});

}  // namespace caas::service
