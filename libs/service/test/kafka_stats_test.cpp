// KafkaStatsCollector: canned statistics documents into the exposition, and
// the statistics of real librdkafka clients against a private mock cluster.
#include <caas/devbroker/mock_cluster.hpp>
#include <caas/kafka/consumer.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/kafka_stats.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

using namespace caas;
using namespace std::chrono_literals;

namespace {

std::string consumer_stats(int hi, int app) {
  return R"({"name": "c#consumer-1", "type": "consumer", "msg_cnt": 0, "msg_size": 0, "topics": {"t.v1": )"
         R"({"partitions": {"0": {"partition": 0, "fetch_state": "active", "hi_offset": )" +
         std::to_string(hi) + R"(, "app_offset": )" + std::to_string(app) + R"(, "consumer_lag": -1}}}}})";
}

}  // namespace

TEST_CASE("the collector exposes lag per group and partition and the producer queue per client") {
  observability::Metrics metrics(false);
  auto collector = std::make_shared<service::KafkaStatsCollector>();
  metrics.add_collectable(collector);
  auto on_consumer = service::stats_callback(collector, "caas-order-x-consumer-0", "caas-order");
  auto on_producer = service::stats_callback(collector, "caas-order-x-producer");
  on_consumer(consumer_stats(50, 8));
  on_producer(R"({"name": "p#producer-1", "type": "producer", "msg_cnt": 17, "msg_size": 900})");
  auto text = metrics.serialize();
  CHECK(text.find(R"(kafka_consumer_lag{group="caas-order",partition="0",topic="t.v1"} 42)") != std::string::npos);
  CHECK(text.find(R"(kafka_producer_queue_messages{client="caas-order-x-producer"} 17)") != std::string::npos);
  CHECK(text.find(R"(kafka_producer_queue_bytes{client="caas-order-x-producer"} 900)") != std::string::npos);
  CHECK(text.find("kafka_statistics_errors_total 0") != std::string::npos);

  // The next document replaces the previous one; a broken one is counted and ignored.
  on_consumer(consumer_stats(50, 50));
  on_consumer("{not json");
  text = metrics.serialize();
  CHECK(text.find(R"(kafka_consumer_lag{group="caas-order",partition="0",topic="t.v1"} 0)") != std::string::npos);
  CHECK(text.find("kafka_statistics_errors_total 1") != std::string::npos);
  CHECK(collector->parse_errors() == 1);

  // A partition no longer fetched disappears with the next report.
  on_consumer(R"({"name": "c#consumer-1", "type": "consumer", "msg_cnt": 0, "topics": {}})");
  CHECK(metrics.serialize().find("kafka_consumer_lag{") == std::string::npos);
  collector->forget("caas-order-x-producer");
  CHECK(metrics.serialize().find("kafka_producer_queue_messages{") == std::string::npos);
}

TEST_CASE("real librdkafka statistics give the lag of a consumer that is behind", "[component]") {
  devbroker::MockCluster cluster(1, [] {
    kafka::TopicTable t;
    t.topics.push_back(kafka::TopicSpec{"stats.v1", 1, 1, 1, -1, "key", "test"});
    return t;
  }());
  observability::Metrics metrics(false);
  auto collector = std::make_shared<service::KafkaStatsCollector>();
  metrics.add_collectable(collector);
  kafka::ClientConfig client{cluster.bootstrap(), "stats-test", {}};

  kafka::ProducerOptions popts;
  popts.stats_interval = 100ms;
  popts.on_stats = service::stats_callback(collector, "stats-producer");
  kafka::Producer producer(client, popts);
  for (int i = 0; i < 10; ++i) {
    auto f = producer.send_async(kafka::Record{"stats.v1", "k", "v" + std::to_string(i), {}, std::nullopt});
    REQUIRE(f.wait_for(15s) == std::future_status::ready);
    REQUIRE_FALSE(f.get().error);
  }

  kafka::ConsumerOptions copts;
  copts.group_id = "stats-group";
  copts.stats_interval = 100ms;
  copts.on_stats = service::stats_callback(collector, "stats-consumer", copts.group_id);
  kafka::Consumer consumer(client, copts);
  REQUIRE(consumer.subscribe({"stats.v1"}));
  // Read 3 of the 10 records, then keep polling (statistics are served by
  // poll) until the lag of the 7 left is reported.
  int read = 0;
  const std::string want = R"(kafka_consumer_lag{group="stats-group",partition="0",topic="stats.v1"} 7)";
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    if (read < 3) {
      auto m = consumer.poll(100ms);
      if (m && !m->error()) {
        ++read;
        if (read == 3) REQUIRE(consumer.pause({{"stats.v1", 0}}));
      }
      continue;
    }
    (void)consumer.poll(50ms);
    seen = metrics.serialize().find(want) != std::string::npos;
  }
  INFO(metrics.serialize());
  CHECK(seen);
  CHECK(metrics.serialize().find(R"(kafka_producer_queue_messages{client="stats-producer"} 0)") != std::string::npos);
  CHECK(collector->parse_errors() == 0);
}
