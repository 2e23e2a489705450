#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>

#include <catch2/catch.hpp>

#include <future>

using namespace caas;
using namespace std::chrono_literals;
using devbroker::MockCluster;

TEST_CASE("MockCluster creates every topic of the builtin table with its partition count") {
  MockCluster cluster;  // 3 brokers, builtin table
  CHECK(cluster.broker_count() == 3);
  CHECK(cluster.broker_ids() == std::vector<std::int32_t>{1, 2, 3});
  CHECK_FALSE(cluster.bootstrap().empty());
  kafka::Consumer c({cluster.bootstrap(), "", {}}, kafka::ConsumerOptions{});
  for (const auto& spec : kafka::builtin_topic_table().topics) {
    INFO(spec.name);
    const auto parts = c.list_partitions(spec.name);
    REQUIRE(parts);
    CHECK(parts->size() == static_cast<std::size_t>(spec.partitions));
  }
}

TEST_CASE("testing helpers produce and read back a topic") {
  kafka::TopicTable table;
  table.topics.push_back({"helper.v1", 2, 1, 1, -1, "k", "t"});
  MockCluster cluster(1, table);
  CHECK(devbroker::testing::consume_all(cluster.bootstrap(), "helper.v1").empty());
  std::vector<kafka::Record> records;
  for (int i = 0; i < 10; ++i)
    records.push_back({"helper.v1", "k" + std::to_string(i), "v", {{"h", "1"}}, std::nullopt});
  devbroker::testing::produce_all(cluster.bootstrap(), records);
  const auto all = devbroker::testing::consume_all(cluster.bootstrap(), "helper.v1");
  CHECK(all.size() == 10);
  for (const auto& r : all) CHECK(kafka::find_header(r.headers, "h") == "1");
  CHECK(devbroker::testing::consume_at_least(cluster.bootstrap(), "helper.v1", 10).size() == 10);
}

TEST_CASE("pushed Produce errors are retried by the producer (retriable) and still delivered") {
  kafka::TopicTable table;
  table.topics.push_back({"inject.v1", 1, 1, 1, -1, "k", "t"});
  MockCluster cluster(1, table);
  cluster.push_request_errors(0 /* Produce */,
                              {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS});
  kafka::Producer p({cluster.bootstrap(), "", {{"retry.backoff.ms", "10"}}});
  auto f = p.send_async({"inject.v1", "k", "v", {}, std::nullopt});
  REQUIRE(f.wait_for(15s) == std::future_status::ready);
  const auto r = f.get();
  INFO(r.message);
  CHECK(r.ok());
  CHECK(devbroker::testing::consume_all(cluster.bootstrap(), "inject.v1").size() == 1);
}

TEST_CASE("permanent Produce errors reach the delivery callback") {
  kafka::TopicTable table;
  table.topics.push_back({"perm.v1", 1, 1, 1, -1, "k", "t"});
  MockCluster cluster(1, table);
  cluster.push_request_errors(0, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
  kafka::Producer p({cluster.bootstrap(), "", {}});
  auto f = p.send_async({"perm.v1", "k", "v", {}, std::nullopt});
  REQUIRE(f.wait_for(15s) == std::future_status::ready);
  const auto r = f.get();
  CHECK(r.error == kafka::make_error_code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
  CHECK_FALSE(kafka::is_retriable(r.error));
  cluster.clear_request_errors(0);
}

TEST_CASE("fault controls accept valid targets and refuse unknown ones") {
  kafka::TopicTable table;
  table.topics.push_back({"ctl.v1", 2, 2, 1, -1, "k", "t"});
  MockCluster cluster(2, table);
  cluster.partition_leader("ctl.v1", 0, 2);
  cluster.set_rtt(1, 5);
  cluster.set_rtt(1, 0);
  cluster.create_topic("ctl.extra.v1", 4);
  cluster.broker_down(2);
  cluster.broker_up(2);
  cluster.topic_error("ctl.v1", RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK_THROWS(cluster.partition_leader("ctl.v1", 7, 1));
  CHECK_THROWS(cluster.broker_down(9));
  kafka::Consumer c({cluster.bootstrap(), "", {}}, kafka::ConsumerOptions{});
  const auto parts = c.list_partitions("ctl.extra.v1");
  REQUIRE(parts);
  CHECK(parts->size() == 4);
}
