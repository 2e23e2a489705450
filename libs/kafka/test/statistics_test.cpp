#include <caas/kafka/statistics.hpp>

#include <catch2/catch.hpp>

using namespace caas::kafka;

namespace {

// Shaped like librdkafka 2.0's statistics of a consumer (STATISTICS.md),
// trimmed to the fields around the ones parse_statistics() reads.
constexpr const char* kConsumerStats = R"({
  "name": "caas-order-i1-consumer-0#consumer-2", "client_id": "caas-order-i1-consumer-0",
  "type": "consumer", "ts": 5016483227792, "time": 1527060869, "replyq": 0,
  "msg_cnt": 0, "msg_size": 0, "msg_max": 100000, "msg_size_max": 1073741824,
  "brokers": {"localhost:9092/1": {"name": "localhost:9092/1", "nodeid": 1, "state": "UP"}},
  "topics": {
    "caas.order.events.v1": {
      "topic": "caas.order.events.v1", "age": 9060,
      "partitions": {
        "0": {"partition": 0, "fetch_state": "active", "hi_offset": 120, "app_offset": 100,
              "committed_offset": 90, "consumer_lag": 30},
        "1": {"partition": 1, "fetch_state": "active", "hi_offset": 7, "app_offset": -1001,
              "committed_offset": 2, "consumer_lag": 5},
        "2": {"partition": 2, "fetch_state": "none", "hi_offset": 50, "app_offset": -1001,
              "consumer_lag": -1},
        "3": {"partition": 3, "fetch_state": "offset-query", "hi_offset": -1, "app_offset": -1001,
              "consumer_lag": -1},
        "-1": {"partition": -1, "fetch_state": "none", "consumer_lag": -1}
      }
    },
    "caas.factory.events.v1": {
      "topic": "caas.factory.events.v1",
      "partitions": {
        "4": {"partition": 4, "fetch_state": "active", "hi_offset": 10, "app_offset": 10, "consumer_lag": 0},
        "5": {"partition": 5, "fetch_state": "active", "hi_offset": -1, "app_offset": -1001, "consumer_lag": -1}
      }
    }
  },
  "cgrp": {"state": "up", "join_state": "steady", "assignment_size": 6}
})";

constexpr const char* kProducerStats = R"({
  "name": "caas-order-i1-producer#producer-1", "type": "producer", "ts": 1, "time": 2,
  "msg_cnt": 1234, "msg_size": 56789, "msg_max": 100000,
  "topics": {"caas.order.events.v1": {"partitions": {"0": {"partition": 0, "msgq_cnt": 1234, "consumer_lag": 99,
                                                              "fetch_state": "active", "hi_offset": 5,
                                                              "app_offset": 1}}}}
})";

}  // namespace

TEST_CASE("consumer statistics give the lag of every actively fetched partition") {
  auto r = parse_statistics(kConsumerStats);
  REQUIRE(r);
  const auto& s = r.value();
  CHECK(s.client == "caas-order-i1-consumer-0#consumer-2");
  CHECK(s.type == "consumer");
  CHECK(s.queue_messages == 0);
  REQUIRE(s.lags.size() == 3);
  auto lag_of = [&](const std::string& topic, int partition) -> std::int64_t {
    for (const auto& l : s.lags) {
      if (l.topic == topic && l.partition == partition) return l.lag;
    }
    return -100;
  };
  // Position known: high watermark minus the application's position.
  CHECK(lag_of("caas.order.events.v1", 0) == 20);
  // Nothing handed to the application yet: librdkafka's lag against the commit.
  CHECK(lag_of("caas.order.events.v1", 1) == 5);
  CHECK(lag_of("caas.factory.events.v1", 4) == 0);
  // Not fetched, unknown lag, and the internal UA partition are left out.
  CHECK(lag_of("caas.order.events.v1", 2) == -100);
  CHECK(lag_of("caas.order.events.v1", 3) == -100);
  CHECK(lag_of("caas.order.events.v1", -1) == -100);
  CHECK(lag_of("caas.factory.events.v1", 5) == -100);
}

TEST_CASE("producer statistics give the local queue and no consumer lag") {
  auto r = parse_statistics(kProducerStats);
  REQUIRE(r);
  CHECK(r.value().type == "producer");
  CHECK(r.value().client == "caas-order-i1-producer#producer-1");
  CHECK(r.value().queue_messages == 1234);
  CHECK(r.value().queue_bytes == 56789);
  CHECK(r.value().lags.empty());
}

TEST_CASE("broken statistics documents are errors, not exceptions") {
  CHECK_FALSE(parse_statistics(""));
  CHECK_FALSE(parse_statistics("{\"name\": \"x\""));
  CHECK_FALSE(parse_statistics("[1, 2]"));
  CHECK_FALSE(parse_statistics(R"({"type": "producer", "msg_cnt": 1})"));
  CHECK_FALSE(parse_statistics(R"({"name": "x", "type": "producer"})"));
  // Unexpected shapes below the top level are skipped.
  auto r = parse_statistics(R"({"name": "x", "type": "consumer", "msg_cnt": 0, "topics": {"t": {"partitions": []}}})");
  REQUIRE(r);
  CHECK(r.value().lags.empty());
}
