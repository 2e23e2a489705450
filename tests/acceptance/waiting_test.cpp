// Acceptance (issue 12): a record for an aggregate not known yet never waits
// in its partition's path. It is set aside with the offset, later records of
// its key queue behind it, and once the aggregate is known they are applied in
// arrival order; past the grace they are dead-lettered; the waiting room is
// bounded. The handler here knows an aggregate once an "open" event for its
// key has been applied (as the factory-adapter knows a factory order once its
// placement is recorded).
#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/service/event_processor.hpp>
#include <caas/store/outbox_relay.hpp>

#include "event_factory.hpp"
#include "eventually.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <mutex>

using namespace caas;
using namespace std::chrono_literals;

namespace {

std::string known_key(std::string_view key) {
  return "known/" + std::string(key);
}

struct Harness {
  devbroker::MockCluster cluster{1};
  std::string topic = "caas.test.waiting-input.v1";
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("caas-waiting-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::unique_ptr<store::StateStore> store;
  kafka::Producer producer{{cluster.bootstrap(), "waiting-test", {}}};
  std::unique_ptr<store::OutboxRelay> relay;
  events::SchemaRegistry schemas{CAAS_SCHEMA_DIR};
  observability::Logger log{{"waitingtest", "test", observability::LogLevel::warn, {}}};
  observability::Metrics metrics{false};
  std::mutex mutex;
  std::vector<std::string> applied;  // "<key>:<name>", in the order applied
  std::map<std::string, std::chrono::steady_clock::time_point> applied_at;
  std::unique_ptr<service::EventProcessor> processor;
  static inline int counter = 0;

  explicit Harness(service::WaitOptions waiting, int partitions = 1) {
    cluster.create_topic(topic, partitions);
    cluster.create_topic("caas.dlq.waitingtest.v1", 1);
    std::filesystem::remove_all(dir);
    store = store::StateStore::open(dir);
    relay = std::make_unique<store::OutboxRelay>(*store, producer);
    relay->start();
    service::EventProcessorOptions options;
    options.service = "waitingtest";
    options.topics = {topic};
    options.group_id = "waitingtest";
    options.waiting = waiting;
    processor = std::make_unique<service::EventProcessor>(
        options, kafka::ClientConfig{cluster.bootstrap(), "waiting-test-consumer", {}}, *store, schemas, log, metrics,
        [this](const service::ConsumedEvent& e, store::WriteTxn& txn) { return handle(e, txn); },
        [this] { return static_cast<std::size_t>(relay->pending()); });
    processor->start();
  }
  ~Harness() {
    processor->stop();
    relay->stop(std::chrono::steady_clock::now() + 5s);
    relay.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }

  service::HandlerOutcome handle(const service::ConsumedEvent& e, store::WriteTxn& txn) {
    const std::string key(e.record.key());
    const bool opens = e.envelope.data.find("\"open\"") != std::string::npos;
    if (!opens && !store->get(known_key(key))) return service::HandlerOutcome::not_yet_known("no open for " + key);
    if (opens) txn.put(known_key(key), "1");
    std::lock_guard lock(mutex);
    const auto name_at = e.envelope.data.find("\"name\":\"") + 8;
    applied.push_back(key + ":" + e.envelope.data.substr(name_at, e.envelope.data.find('"', name_at) - name_at));
    applied_at[applied.back()] = std::chrono::steady_clock::now();
    return service::HandlerOutcome::applied();
  }

  std::vector<std::string> applied_snapshot() {
    std::lock_guard lock(mutex);
    return applied;
  }
  std::size_t applied_count() { return applied_snapshot().size(); }
};

std::string header(const kafka::ConsumedRecord& r, std::string_view name) {
  auto v = kafka::find_header(r.headers, name);
  return v ? std::string(*v) : std::string("<missing>");
}

std::vector<std::string> of_key(const std::vector<std::string>& applied, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& a : applied) {
    if (a.rfind(key + ":", 0) == 0) out.push_back(a);
  }
  return out;
}

}  // namespace

TEST_CASE("waiting: records for an unknown aggregate do not hold the partition and apply in order once it is known",
          "[acceptance][waiting]") {
  Harness h({});
  // One partition: every key shares it. Two records for FAC-LATE overtake
  // their "open"; the live keys behind them must not wait.
  std::vector<kafka::Record> first{testing::sample_event(h.topic, "FAC-LATE", "status-1", 1),
                                   testing::sample_event(h.topic, "FAC-LATE", "status-2", 2)};
  for (int i = 0; i < 20; ++i) {
    const auto key = "FAC-LIVE-" + std::to_string(i);
    first.push_back(testing::sample_event(h.topic, key, "open", 0));
    first.push_back(testing::sample_event(h.topic, key, "status", 1));
  }
  devbroker::testing::produce_all(h.cluster.bootstrap(), first);
  REQUIRE(testing::eventually([&] { return h.applied_count() == 40; }, 30s));
  CHECK(h.processor->waiting_total() == 2);
  CHECK(of_key(h.applied_snapshot(), "FAC-LATE").empty());

  // A later record of the waiting key queues behind the waiting ones...
  devbroker::testing::produce_all(h.cluster.bootstrap(), {testing::sample_event(h.topic, "FAC-LATE", "status-3", 3)});
  REQUIRE(testing::eventually([&] { return h.processor->waiting_total() == 3; }, 30s));
  // ...and once the aggregate is known, all three apply in arrival order,
  // after the record that made it known.
  devbroker::testing::produce_all(h.cluster.bootstrap(), {testing::sample_event(h.topic, "FAC-LATE", "open", 0)});
  REQUIRE(testing::eventually([&] { return of_key(h.applied_snapshot(), "FAC-LATE").size() == 4; }, 30s));
  CHECK(of_key(h.applied_snapshot(), "FAC-LATE") ==
        std::vector<std::string>{"FAC-LATE:open", "FAC-LATE:status-1", "FAC-LATE:status-2", "FAC-LATE:status-3"});
  // The handler ran before its commit: wait for the commits.
  CHECK(testing::eventually([&] { return h.processor->waiting_total() == 0; }, 10s));
  // Nothing was dead-lettered, and the offsets passed every record.
  CHECK(testing::eventually([&] { return h.store->offset(h.topic, 0) == std::optional<std::int64_t>(44); }, 10s));
  CHECK(devbroker::testing::consume_all(h.cluster.bootstrap(), "caas.dlq.waitingtest.v1").empty());
}

TEST_CASE("waiting: release() takes a key back at once when another component made it known", "[acceptance][waiting]") {
  service::WaitOptions waiting;
  waiting.recheck_interval = 10min;  // only the release can take it back within the test
  Harness h(waiting);
  devbroker::testing::produce_all(h.cluster.bootstrap(), {testing::sample_event(h.topic, "VIN-1", "ack", 1)});
  REQUIRE(testing::eventually([&] { return h.processor->waiting_total() == 1; }, 30s));
  // Another component (a placement worker, a command sender) records the aggregate itself.
  store::WriteTxn txn;
  txn.put(known_key("VIN-1"), "1");
  REQUIRE(h.store->commit(std::move(txn)));
  const auto released = std::chrono::steady_clock::now();
  h.processor->release("VIN-1");
  REQUIRE(testing::eventually([&] { return h.applied_count() == 1; }, 10s));
  CHECK(h.applied_snapshot() == std::vector<std::string>{"VIN-1:ack"});
  CHECK(std::chrono::steady_clock::now() - released < 5s);
}

TEST_CASE("waiting: an aggregate that never appears is dead-lettered after the grace and blocks nothing",
          "[acceptance][waiting]") {
  service::WaitOptions waiting;
  waiting.grace = 1500ms;
  Harness h(waiting);
  auto orphan_1 = testing::sample_event(h.topic, "FAC-NEVER", "status-1", 1);
  auto orphan_2 = testing::sample_event(h.topic, "FAC-NEVER", "status-2", 2);
  devbroker::testing::produce_all(h.cluster.bootstrap(),
                                  {orphan_1, testing::sample_event(h.topic, "FAC-OK", "open", 0), orphan_2,
                                   testing::sample_event(h.topic, "FAC-OK", "status", 1)});
  REQUIRE(testing::eventually([&] { return h.applied_count() == 2; }, 30s));

  auto dead = devbroker::testing::consume_at_least(h.cluster.bootstrap(), "caas.dlq.waitingtest.v1", 2, 30s);
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].value == orphan_1.value);  // byte-identical, in arrival order
  CHECK(dead[1].value == orphan_2.value);
  for (const auto& d : dead) {
    CHECK(header(d, "dlq.error.class") == "permanent");
    CHECK(header(d, "dlq.error.message").find("'FAC-NEVER' not known within the grace period of 1.5 s") !=
          std::string::npos);
    CHECK(header(d, "dlq.original.topic") == h.topic);
    CHECK(header(d, "ce_id") != "<missing>");
  }
  CHECK(header(dead[0], "dlq.original.offset") == "0");
  CHECK(header(dead[1], "dlq.original.offset") == "2");
  CHECK(testing::eventually([&] { return h.processor->waiting_total() == 0; }, 10s));

  // A later record of the same id waits its own grace; nothing else waits for it.
  devbroker::testing::produce_all(h.cluster.bootstrap(), {testing::sample_event(h.topic, "FAC-NEVER", "status-3", 3),
                                                          testing::sample_event(h.topic, "FAC-OTHER", "open", 0)});
  REQUIRE(testing::eventually([&] { return h.applied_count() == 3; }, 30s));
  CHECK(h.applied_snapshot().back() == "FAC-OTHER:open");
  CHECK(devbroker::testing::consume_at_least(h.cluster.bootstrap(), "caas.dlq.waitingtest.v1", 3, 30s).size() == 3);
}

TEST_CASE("waiting: the waiting room is bounded per key and in total, with the reason in the dead letter",
          "[acceptance][waiting]") {
  service::WaitOptions waiting;
  waiting.max_per_key = 2;
  waiting.max_total = 3;
  Harness h(waiting);
  std::vector<kafka::Record> records{
      testing::sample_event(h.topic, "A", "a1", 1),  testing::sample_event(h.topic, "A", "a2", 2),
      testing::sample_event(h.topic, "A", "a3", 3),                                                 // key full
      testing::sample_event(h.topic, "B", "b1", 1),  testing::sample_event(h.topic, "C", "c1", 1),  // room full
      testing::sample_event(h.topic, "D", "open", 0)};
  devbroker::testing::produce_all(h.cluster.bootstrap(), records);
  auto dead = devbroker::testing::consume_at_least(h.cluster.bootstrap(), "caas.dlq.waitingtest.v1", 2, 30s);
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].value == records[2].value);
  CHECK(header(dead[0], "dlq.error.message").find("waiting room full for this key: 2 records") != std::string::npos);
  CHECK(dead[1].value == records[4].value);
  CHECK(header(dead[1], "dlq.error.message").find("waiting room full: 3 records") != std::string::npos);
  REQUIRE(testing::eventually([&] { return h.applied_count() == 1; }, 30s));
  CHECK(h.processor->waiting_total() == 3);
}

TEST_CASE("waiting: a restarted processor finds what waits in its store and applies it once", "[acceptance][waiting]") {
  auto h = std::make_unique<Harness>(service::WaitOptions{});
  const auto dir = h->dir;
  devbroker::testing::produce_all(h->cluster.bootstrap(), {testing::sample_event(h->topic, "K", "s1", 1),
                                                           testing::sample_event(h->topic, "K", "s2", 2)});
  REQUIRE(testing::eventually([&] { return h->processor->waiting_total() == 2; }, 30s));
  // Stop and start over the same store: the index is rebuilt from it.
  h->processor->stop();
  service::EventProcessorOptions options;
  options.service = "waitingtest";
  options.topics = {h->topic};
  options.group_id = "waitingtest";
  h->processor = std::make_unique<service::EventProcessor>(
      options, kafka::ClientConfig{h->cluster.bootstrap(), "waiting-test-consumer-2", {}}, *h->store, h->schemas,
      h->log, h->metrics,
      [hp = h.get()](const service::ConsumedEvent& e, store::WriteTxn& txn) { return hp->handle(e, txn); },
      [hp = h.get()] { return static_cast<std::size_t>(hp->relay->pending()); });
  h->processor->start();
  CHECK(h->processor->waiting_total() == 2);
  devbroker::testing::produce_all(h->cluster.bootstrap(), {testing::sample_event(h->topic, "K", "open", 0)});
  REQUIRE(testing::eventually([&] { return h->applied_count() == 3; }, 30s));
  CHECK(h->applied_snapshot() == std::vector<std::string>{"K:open", "K:s1", "K:s2"});
  CHECK(testing::eventually([&] { return h->processor->waiting_total() == 0; }, 10s));
}
