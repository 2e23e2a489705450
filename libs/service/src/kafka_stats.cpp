#include <caas/service/kafka_stats.hpp>

#include <algorithm>
#include <tuple>
#include <utility>

namespace caas::service {

namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

prometheus::ClientMetric gauge(std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

}  // namespace

bool KafkaStatsCollector::update(const std::string& client, const std::string& group, std::string_view json) {
  auto parsed = kafka::parse_statistics(json);
  std::lock_guard lock(mutex_);
  if (!parsed) {
    ++parse_errors_;
    return false;
  }
  clients_[client] = Snapshot{group, std::move(parsed).value()};
  return true;
}

kafka::StatsCallback stats_callback(std::shared_ptr<KafkaStatsCollector> collector, std::string client,
                                    std::string group) {
  return [collector = std::move(collector), client = std::move(client),
          group = std::move(group)](std::string_view json) { (void)collector->update(client, group, json); };
}

void KafkaStatsCollector::forget(const std::string& client) {
  std::lock_guard lock(mutex_);
  clients_.erase(client);
}

std::uint64_t KafkaStatsCollector::parse_errors() const {
  std::lock_guard lock(mutex_);
  return parse_errors_;
}

std::vector<prometheus::MetricFamily> KafkaStatsCollector::Collect() const {
  auto lag = family("kafka_consumer_lag", "Records between the consumer's position and the partition's high watermark",
                    prometheus::MetricType::Gauge);
  auto queue = family("kafka_producer_queue_messages", "Records in the producer's queues, not yet acknowledged",
                      prometheus::MetricType::Gauge);
  auto bytes = family("kafka_producer_queue_bytes", "Bytes of the records in the producer's queues",
                      prometheus::MetricType::Gauge);
  auto errors = family("kafka_statistics_errors_total", "librdkafka statistics documents that could not be parsed",
                       prometheus::MetricType::Counter);
  std::lock_guard lock(mutex_);
  // Two consumers of one group reading the same partition would repeat a
  // series, which Prometheus refuses: keep the larger lag.
  std::map<std::tuple<std::string, std::string, std::int32_t>, std::int64_t> lags;
  for (const auto& [client, snapshot] : clients_) {
    if (snapshot.stats.type == "producer") {
      queue.metric.push_back(gauge({{"client", client}}, static_cast<double>(snapshot.stats.queue_messages)));
      bytes.metric.push_back(gauge({{"client", client}}, static_cast<double>(snapshot.stats.queue_bytes)));
    }
    for (const auto& l : snapshot.stats.lags) {
      auto& slot = lags[{snapshot.group, l.topic, l.partition}];
      slot = std::max(slot, l.lag);
    }
  }
  for (const auto& [where, value] : lags) {
    const auto& [group, topic, partition] = where;
    lag.metric.push_back(gauge({{"group", group}, {"partition", std::to_string(partition)}, {"topic", topic}},
                               static_cast<double>(value)));
  }
  prometheus::ClientMetric e;
  e.counter.value = static_cast<double>(parse_errors_);
  errors.metric.push_back(e);
  return {std::move(lag), std::move(queue), std::move(bytes), std::move(errors)};
}

}  // namespace caas::service
