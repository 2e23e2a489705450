#include "support.hpp"

#include <caas/devbroker/testing.hpp>

using namespace caas::kafka;
using namespace caas::kafka::test;
using caas::devbroker::MockCluster;
namespace testing = caas::devbroker::testing;

namespace {

void produce_values(const std::string& bootstrap, const std::string& topic, int n, int partition = 0) {
  std::vector<Record> records;
  for (int i = 0; i < n; ++i) records.push_back({topic, "k", std::to_string(i), {}, partition});
  testing::produce_all(bootstrap, records);
}

}  // namespace

TEST_CASE("manual commit: a restarted consumer resumes from the committed offset") {
  MockCluster cluster(1, one_topic("commit.v1", 1));
  produce_values(cluster.bootstrap(), "commit.v1", 10);
  const ClientConfig config{cluster.bootstrap(), "", {}};
  {
    Consumer c(config, ConsumerOptions{.group_id = "g-commit"});
    REQUIRE(c.subscribe({"commit.v1"}));
    for (int i = 0; i < 5; ++i) {
      auto m = next_record(c);
      REQUIRE(m);
      CHECK(m->offset() == i);
      if (i == 4) REQUIRE(c.commit_message(*m));
    }
    const auto committed = c.committed({{"commit.v1", 0}});
    REQUIRE(committed);
    CHECK(committed->at(0).offset == 5);
  }
  Consumer c(config, ConsumerOptions{.group_id = "g-commit"});
  REQUIRE(c.subscribe({"commit.v1"}));
  auto m = next_record(c);
  REQUIRE(m);
  CHECK(m->offset() == 5);
  CHECK(m->value() == "5");
}

TEST_CASE("on_assigned can set starting offsets from the service's own store") {
  MockCluster cluster(1, one_topic("seek.v1", 2));
  produce_values(cluster.bootstrap(), "seek.v1", 10, 0);
  produce_values(cluster.bootstrap(), "seek.v1", 10, 1);
  std::vector<TopicPartitionOffset> seen;
  bool revoked = false;
  {
    ConsumerOptions options{.group_id = "g-seek"};
    options.on_assigned = [&](std::vector<TopicPartitionOffset>& tps) {
      seen = tps;
      for (auto& tp : tps) tp.offset = tp.partition == 0 ? 7 : 9;
    };
    options.on_revoked = [&](const std::vector<TopicPartition>&) { revoked = true; };
    Consumer c({cluster.bootstrap(), "", {}}, options);
    REQUIRE(c.subscribe({"seek.v1"}));
    std::map<int, std::int64_t> first;
    while (first.size() < 2) {
      auto m = next_record(c);
      REQUIRE(m);
      first.emplace(m->partition(), m->offset());
    }
    CHECK(first[0] == 7);
    CHECK(first[1] == 9);
    REQUIRE(seen.size() == 2);
    for (const auto& tp : seen) CHECK(tp.offset == kOffsetStored);
    const auto a = c.assignment();
    REQUIRE(a);
    CHECK(a->size() == 2);
    c.close();
  }
  CHECK(revoked);
}

TEST_CASE("pause stops delivery of a partition, resume continues where it was") {
  MockCluster cluster(1, one_topic("pause.v1", 1));
  produce_values(cluster.bootstrap(), "pause.v1", 3);
  Consumer c({cluster.bootstrap(), "", {}}, ConsumerOptions{});
  REQUIRE(c.assign({{"pause.v1", 0, kOffsetBeginning}}));
  auto m = next_record(c);
  REQUIRE(m);
  CHECK(m->offset() == 0);
  REQUIRE(c.pause({{"pause.v1", 0}}));
  // Already-fetched records are purged on pause; nothing may arrive now.
  // (Bounded negative check: 500 ms.)
  const auto until = std::chrono::steady_clock::now() + 500ms;
  while (std::chrono::steady_clock::now() < until) {
    auto none = c.poll(100ms);
    CHECK_FALSE((none && !none->error()));
  }
  REQUIRE(c.resume({{"pause.v1", 0}}));
  m = next_record(c);
  REQUIRE(m);
  CHECK(m->offset() == 1);
}

TEST_CASE("replay mode: assign from the beginning and detect caught-up via watermarks") {
  MockCluster cluster(1, one_topic("replay.v1", 3));
  std::vector<Record> records;
  for (int i = 0; i < 30; ++i)
    records.push_back({"replay.v1", "k" + std::to_string(i), std::to_string(i), {}, std::nullopt});
  testing::produce_all(cluster.bootstrap(), records);

  Consumer c({cluster.bootstrap(), "", {}}, ConsumerOptions{});
  const auto parts = c.list_partitions("replay.v1");
  REQUIRE(parts);
  CHECK(parts->size() == 3);
  const auto marks = c.query_watermarks("replay.v1");
  REQUIRE(marks);
  std::int64_t total = 0;
  for (const auto& w : *marks) total += w.high - w.low;
  CHECK(total == 30);
  // (No negative list_partitions check: the 2.0.2 mock auto-creates unknown
  // topics on a metadata request.)
  CHECK_FALSE(c.subscribe({"replay.v1"}));  // no group in replay mode
  CHECK_FALSE(c.commit({{"replay.v1", 0, 1}}));

  const auto all = testing::consume_all(cluster.bootstrap(), "replay.v1");
  CHECK(all.size() == 30);
}

TEST_CASE("partition EOF events signal caught-up when enabled") {
  MockCluster cluster(1, one_topic("eof.v1", 1));
  produce_values(cluster.bootstrap(), "eof.v1", 2);
  Consumer c({cluster.bootstrap(), "", {}}, ConsumerOptions{.enable_partition_eof = true});
  REQUIRE(c.assign({{"eof.v1", 0, kOffsetBeginning}}));
  int records = 0;
  bool eof = false;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!eof && std::chrono::steady_clock::now() < deadline) {
    auto m = c.poll(100ms);
    if (!m) continue;
    if (m->is_partition_eof()) {
      eof = true;
      CHECK(m->offset() == 2);
    } else if (!m->error()) {
      ++records;
    }
  }
  CHECK(eof);
  CHECK(records == 2);
}

TEST_CASE("close gives up at close_timeout when the coordinator does not answer the leave") {
  MockCluster cluster(1, one_topic("close.v1", 1));
  produce_values(cluster.bootstrap(), "close.v1", 1);
  const ClientConfig config{cluster.bootstrap(), "", {}};
  std::vector<TopicPartition> revoked;
  const auto close_timeout = std::chrono::milliseconds{1500};
  using Clock = std::chrono::steady_clock;
  Clock::duration close_took{};
  Clock::time_point destroying;
  {
    Consumer c(config,
               ConsumerOptions{.group_id = "g-close",
                               .close_timeout = close_timeout,
                               .on_revoked = [&](const std::vector<TopicPartition>& parts) { revoked = parts; }});
    REQUIRE(c.subscribe({"close.v1"}));
    REQUIRE(next_record(c));  // joined and assigned
    // The LeaveGroup (api key 13) is answered after a minute, as when the
    // broker went away mid-request; librdkafka's own close waits for it.
    constexpr std::int16_t kLeaveGroup = 13;
    for (auto id : cluster.broker_ids()) cluster.delay_responses(id, kLeaveGroup, 1, 60'000);
    const auto closing = Clock::now();
    CHECK_FALSE(c.close());
    close_took = Clock::now() - closing;
    CHECK_FALSE(c.close());  // idempotent
    destroying = Clock::now();
  }  // ~Consumer: destroy without starting a second close
  CHECK(close_took >= close_timeout);
  CHECK(close_took < close_timeout + std::chrono::seconds{2});  // librdkafka's close alone waits 5 s or more
  // Destroying waits for the in-flight LeaveGroup to time out (request
  // timeout, 5 s here), not for the minute the broker would take.
  CHECK(Clock::now() - destroying < std::chrono::seconds{15});
  CHECK(revoked.size() == 1);  // on_revoked still ran, from close()
}

TEST_CASE("close leaves the group cleanly when the brokers answer") {
  MockCluster cluster(1, one_topic("close-ok.v1", 1));
  produce_values(cluster.bootstrap(), "close-ok.v1", 1);
  const ClientConfig config{cluster.bootstrap(), "", {}};
  Consumer c(config, ConsumerOptions{.group_id = "g-close-ok"});
  REQUIRE(c.subscribe({"close-ok.v1"}));
  REQUIRE(next_record(c));
  CHECK(c.close());
  CHECK(c.close());
}
