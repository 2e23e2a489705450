#include "support.hpp"

#include <caas/devbroker/testing.hpp>

#include <atomic>
#include <mutex>

using namespace caas::kafka;
using namespace caas::kafka::test;
using caas::devbroker::MockCluster;

TEST_CASE("producer to consumer round trip keeps key, value and headers") {
  MockCluster cluster(3, one_topic("rt.v1", 3));
  Producer producer({cluster.bootstrap(), "rt-producer", {}});
  std::vector<std::future<DeliveryReport>> futures;
  for (int i = 0; i < 20; ++i) {
    futures.push_back(producer.send_async({"rt.v1",
                                           "key-" + std::to_string(i % 4),
                                           "value-" + std::to_string(i),
                                           {{"ce_type", "t.v1"}, {"ce_id", "id-" + std::to_string(i)}, {"empty", ""}},
                                           std::nullopt}));
  }
  for (auto& f : futures) {
    const auto r = get_within(f);
    INFO(r.message);
    CHECK(r.ok());
    CHECK(r.topic == "rt.v1");
    CHECK(r.offset >= 0);
  }
  CHECK(producer.flush(5s));
  CHECK(producer.queue_depth() == 0);

  Consumer consumer({cluster.bootstrap(), "rt-consumer", {}}, ConsumerOptions{.group_id = "rt-group"});
  REQUIRE(consumer.subscribe({"rt.v1"}));
  std::map<std::string, std::vector<std::string>> values_by_key;
  for (int n = 0; n < 20; ++n) {
    auto m = next_record(consumer);
    REQUIRE(m);
    CHECK(m->topic() == "rt.v1");
    const auto id = m->header("ce_id");
    REQUIRE(id);
    CHECK(m->value() == "value-" + std::string(id->substr(3)));
    CHECK(m->header("ce_type") == "t.v1");
    CHECK(m->header("empty") == "");
    CHECK(m->headers().size() == 3);
    values_by_key[std::string(m->key())].push_back(std::string(m->value()));
  }
  // Same key -> same partition -> produce order.
  for (const auto& [key, values] : values_by_key) {
    for (std::size_t i = 1; i < values.size(); ++i) {
      CHECK(std::stoi(values[i - 1].substr(6)) < std::stoi(values[i].substr(6)));
    }
  }
}

TEST_CASE("delivery reports carry partition and increasing offsets") {
  MockCluster cluster(1, one_topic("dr.v1", 2));
  Producer producer({cluster.bootstrap(), "", {}});
  std::int64_t last = -1;
  for (int i = 0; i < 5; ++i) {
    auto f = producer.send_async({"dr.v1", "k", "v", {}, 1});
    const auto r = get_within(f);
    REQUIRE(r.ok());
    CHECK(r.partition == 1);
    CHECK(r.offset == last + 1);
    last = r.offset;
  }
  CHECK(producer.connected(2s));
  CHECK(producer.brokers_reachable_hint());
}

TEST_CASE("a full local queue is reported as queue_full (backpressure), then drains") {
  MockCluster cluster(1, one_topic("bp.v1", 1));
  cluster.broker_down(1);
  ProducerOptions options;
  options.max_queue_messages = 5;
  Producer producer({cluster.bootstrap(), "", {{"reconnect.backoff.max.ms", "200"}}}, options);
  std::atomic<int> delivered{0};
  for (int i = 0; i < 5; ++i) {
    REQUIRE(producer.send({"bp.v1", "k", std::to_string(i), {}, std::nullopt},
                          [&](const DeliveryReport& r) { delivered += r.ok() ? 1 : 0; }) == SendStatus::queued);
  }
  CHECK(producer.backpressured());
  CHECK(producer.queue_depth() == 5);
  bool called = false;
  CHECK(producer.send({"bp.v1", "k", "x", {}, std::nullopt}, [&](const DeliveryReport&) { called = true; }) ==
        SendStatus::queue_full);
  auto f = producer.send_async({"bp.v1", "k", "y", {}, std::nullopt});
  REQUIRE(f.wait_for(0s) == std::future_status::ready);
  const auto r = f.get();
  CHECK(r.error == make_error_code(RD_KAFKA_RESP_ERR__QUEUE_FULL));
  CHECK(is_retriable(r.error));
  CHECK_FALSE(producer.connected(300ms));

  cluster.broker_up(1);
  CHECK(producer.flush(20s));
  CHECK(delivered == 5);
  CHECK_FALSE(called);
  CHECK_FALSE(producer.backpressured());
}

TEST_CASE("destroying a producer that cannot deliver purges with a callback per record") {
  MockCluster cluster(1, one_topic("purge.v1", 1));
  cluster.broker_down(1);
  std::mutex mutex;
  std::vector<std::error_code> errors;
  {
    ProducerOptions options;
    options.close_timeout = 200ms;
    Producer producer({cluster.bootstrap(), "", {}}, options);
    for (int i = 0; i < 10; ++i) {
      REQUIRE(producer.send({"purge.v1", "k", "v", {}, std::nullopt}, [&](const DeliveryReport& r) {
        std::lock_guard lock(mutex);
        errors.push_back(r.error);
      }) == SendStatus::queued);
    }
  }
  REQUIRE(errors.size() == 10);
  for (const auto& e : errors) {
    CHECK(e);
    CHECK(is_retriable(e));
  }
}

TEST_CASE("statistics callback delivers librdkafka's JSON") {
  MockCluster cluster(1, one_topic("stats.v1", 1));
  auto got = std::make_shared<std::promise<std::string>>();
  std::atomic<bool> once{false};
  ProducerOptions options;
  options.stats_interval = 100ms;
  options.on_stats = [got, &once](std::string_view json) {
    if (!once.exchange(true)) got->set_value(std::string(json));
  };
  Producer producer({cluster.bootstrap(), "", {}}, options);
  auto f = got->get_future();
  const auto json = get_within(f, 10s);
  CHECK(json.find("\"msg_cnt\"") != std::string::npos);
}

TEST_CASE("invalid configuration throws at construction") {
  CHECK_THROWS(Producer({"127.0.0.1:1", "", {{"no.such.property", "1"}}}));
  CHECK_THROWS(Consumer({"127.0.0.1:1", "", {}}, ConsumerOptions{.auto_offset_reset = "sideways"}));
}

TEST_CASE("warm_up learns the partitions of a topic before the first send and names the ones it cannot") {
  MockCluster cluster(1, one_topic("warm.v1", 3));
  cluster.create_topic("broken.v1", 1);
  cluster.topic_error("broken.v1", RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  Producer producer({cluster.bootstrap(), "warm-producer", {}});
  const auto unknown = producer.warm_up({"warm.v1", "broken.v1"}, 3s);
  CHECK(unknown == std::vector<std::string>{"broken.v1"});
  auto report = producer.send_async({"warm.v1", "k", "v", {}, std::nullopt});
  const auto r = get_within(report);
  INFO(r.message);
  CHECK(r.ok());
}
