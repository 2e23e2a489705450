#include "support.hpp"

#include <caas/devbroker/testing.hpp>

#include <poll.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

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

TEST_CASE("serve_on_event_loop: reports wait for serve_deliveries, which runs them on the caller's thread") {
  MockCluster cluster(1, one_topic("loop.v1", 1));
  ProducerOptions options;
  options.serve_on_event_loop = true;
  Producer producer({cluster.bootstrap(), "loop-producer", {}}, options);
  const int fd = producer.delivery_event_fd();
  REQUIRE(fd >= 0);

  std::atomic<int> delivered{0};
  std::thread::id ran_on;
  DeliveryReport report;
  REQUIRE(producer.send({"loop.v1", "k", "v", {}, std::nullopt}, [&](const DeliveryReport& r) {
    report = r;
    ran_on = std::this_thread::get_id();
    ++delivered;
  }) == SendStatus::queued);
  // The descriptor turns readable once the acknowledgement is waiting; no
  // thread of the producer runs the callback meanwhile.
  pollfd p{fd, POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (delivered == 0 && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(::poll(&p, 1, 15000) == 1);
    CHECK(delivered == 0);
    producer.serve_deliveries();
  }
  REQUIRE(delivered == 1);
  CHECK(report.ok());
  CHECK(ran_on == std::this_thread::get_id());
  CHECK(producer.queue_depth() == 0);

  // Nobody watching the descriptor: flush serves the reports itself.
  REQUIRE(producer.send({"loop.v1", "k", "v2", {}, std::nullopt}, [&](const DeliveryReport&) { ++delivered; }) ==
          SendStatus::queued);
  CHECK(producer.flush(10s));
  CHECK(delivered == 2);
}

TEST_CASE("a producer without serve_on_event_loop has no event descriptor") {
  Producer producer({"127.0.0.1:1", "", {}});
  CHECK(producer.delivery_event_fd() == -1);
  CHECK(producer.serve_deliveries() == 0);
}

namespace {
// Threads of this process whose name starts with "rdk:", by thread id.
std::set<pid_t> librdkafka_threads() {
  std::set<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(entry.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name.rfind("rdk:", 0) == 0) out.insert(static_cast<pid_t>(std::stol(entry.path().filename().string())));
  }
  return out;
}
// The thread's scheduling policy; nullopt once it has ended (librdkafka
// retires its bootstrap broker thread when it learns the real brokers).
std::optional<int> policy_of(pid_t tid) {
  const int policy = sched_getscheduler(tid);
  if (policy == -1) return std::nullopt;
  return policy;
}
}  // namespace

TEST_CASE("batch_scheduled_threads runs librdkafka's threads as SCHED_BATCH, and only that producer's") {
  MockCluster cluster(1, one_topic("batch.v1", 1));
  // Threads are told apart by when they appeared: the ordinary producer
  // first (its threads all exist once it knows the topic's leader), then the
  // batch-scheduled one.
  const auto before = librdkafka_threads();
  Producer normal({cluster.bootstrap(), "normal-producer", {}});
  REQUIRE(normal.warm_up({"batch.v1"}, 10s).empty());
  std::set<pid_t> normal_threads;
  for (pid_t tid : librdkafka_threads()) {
    if (before.count(tid) == 0) normal_threads.insert(tid);
  }
  REQUIRE(normal_threads.size() >= 2);  // main + at least one broker thread

  ProducerOptions options;
  options.batch_scheduled_threads = true;
  Producer batch({cluster.bootstrap(), "batch-producer", {}}, options);
  REQUIRE(batch.warm_up({"batch.v1"}, 10s).empty());
  // A thread is named before it runs the thread-start hook: under load the
  // check may come first, so wait (bounded) for the hook to have run.
  std::set<pid_t> batch_threads;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    batch_threads.clear();
    for (pid_t tid : librdkafka_threads()) {
      if (before.count(tid) == 0 && normal_threads.count(tid) == 0) batch_threads.insert(tid);
    }
    const bool all_batch = std::all_of(batch_threads.begin(), batch_threads.end(),
                                       [](pid_t tid) { return policy_of(tid).value_or(SCHED_BATCH) == SCHED_BATCH; });
    if ((batch_threads.size() >= 2 && all_batch) || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::yield();
  }
  REQUIRE(batch_threads.size() >= 2);
  for (pid_t tid : batch_threads) {
    INFO("thread " << tid);
    CHECK(policy_of(tid).value_or(SCHED_BATCH) == SCHED_BATCH);
  }
  for (pid_t tid : normal_threads) {
    INFO("thread " << tid);
    CHECK(policy_of(tid).value_or(SCHED_OTHER) == SCHED_OTHER);
  }
}

TEST_CASE("a linger below a millisecond reaches librdkafka as a fraction") {
  MockCluster cluster(1, one_topic("linger.v1", 1));
  for (auto linger : {std::chrono::microseconds{250}, std::chrono::microseconds{1500}, std::chrono::microseconds{0}}) {
    ProducerOptions options;
    options.linger = linger;
    Producer producer({cluster.bootstrap(), "", {}}, options);  // an unparsable linger.ms would throw here
    auto f = producer.send_async({"linger.v1", "k", "v", {}, std::nullopt});
    const auto r = get_within(f);
    INFO(r.message);
    CHECK(r.ok());
  }
}
