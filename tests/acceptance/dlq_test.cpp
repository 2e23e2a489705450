// Acceptance (issue 2): a schema-invalid record lands in the DLQ with every
// dlq.* header and its original key and value byte-identical, and the next
// record is processed. With key parking, later records of the same key follow
// the dead letter so an aggregate never applies events out of order.
#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/kafka/dlq.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/service/event_processor.hpp>
#include <caas/store/outbox_relay.hpp>

#include "event_factory.hpp"
#include "eventually.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <mutex>
#include <set>

using namespace caas;
using namespace std::chrono_literals;

namespace {

// One service's worth of wiring around an EventProcessor, in-process.
struct Harness {
  devbroker::MockCluster cluster{3};
  std::string topic = "caas.test.dlq-input.v1";
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("caas-dlq-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::unique_ptr<store::StateStore> store;
  kafka::Producer producer{{cluster.bootstrap(), "dlq-test", {}}};
  std::unique_ptr<store::OutboxRelay> relay;
  events::SchemaRegistry schemas{CAAS_SCHEMA_DIR};
  observability::Logger log{{"dlqtest", "test", observability::LogLevel::warn, {}}};
  observability::Metrics metrics{false};
  std::mutex mutex;
  std::vector<std::string> applied;  // names of applied events, in order
  std::unique_ptr<service::EventProcessor> processor;
  static inline int counter = 0;

  explicit Harness(bool park) {
    cluster.create_topic(topic, 2);
    cluster.create_topic("caas.dlq.dlqtest.v1", 2);
    std::filesystem::remove_all(dir);
    store = store::StateStore::open(dir);
    relay = std::make_unique<store::OutboxRelay>(*store, producer);
    relay->start();
    service::EventProcessorOptions options;
    options.service = "dlqtest";
    options.topics = {topic};
    options.group_id = "dlqtest";
    options.park_failed_keys = park;
    processor = std::make_unique<service::EventProcessor>(
        options, kafka::ClientConfig{cluster.bootstrap(), "dlq-test-consumer", {}}, *store, schemas, log, metrics,
        [this](const service::ConsumedEvent& e, store::WriteTxn&) {
          std::lock_guard lock(mutex);
          applied.push_back(std::string(e.envelope.subject) + ":" + e.envelope.data);
          return service::HandlerOutcome::applied();
        },
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
  std::size_t applied_count() {
    std::lock_guard lock(mutex);
    return applied.size();
  }
};

std::string header(const kafka::ConsumedRecord& r, std::string_view name) {
  auto v = kafka::find_header(r.headers, name);
  return v ? std::string(*v) : std::string("<missing>");
}

}  // namespace

TEST_CASE("DLQ: a schema-invalid record is dead-lettered byte-identical and the next one is processed",
          "[acceptance][dlq]") {
  Harness h(/*park=*/false);
  auto good1 = testing::sample_event(h.topic, "order-1", "first", 1);
  auto bad = testing::event_record(h.topic, "order-1", "test.sample", R"({"name":"bad","count":-5})");
  auto good2 = testing::sample_event(h.topic, "order-1", "second", 2);
  auto not_json = kafka::Record{h.topic, "order-1", "\xff\xfe not json at all", {{"x-origin", "fuzz"}}, {}};
  auto good3 = testing::sample_event(h.topic, "order-1", "third", 3);
  devbroker::testing::produce_all(h.cluster.bootstrap(), {good1, bad, good2, not_json, good3});

  auto dead = devbroker::testing::consume_at_least(h.cluster.bootstrap(), "caas.dlq.dlqtest.v1", 2, 60s);
  REQUIRE(dead.size() == 2);
  const auto& d = dead[0].value == bad.value ? dead[0] : dead[1];
  const auto& d2 = dead[0].value == bad.value ? dead[1] : dead[0];

  // Original key and value byte-identical, original headers preserved.
  REQUIRE(d.key == bad.key);
  REQUIRE(d.value == bad.value);
  REQUIRE(header(d, "ce_id") == testing::event_id(bad));
  REQUIRE(header(d, "dlq.original.topic") == h.topic);
  REQUIRE(header(d, "dlq.original.offset") == "1");
  REQUIRE(header(d, "dlq.original.partition") != "<missing>");
  REQUIRE(header(d, "dlq.error.class") == "permanent");
  REQUIRE(header(d, "dlq.error.message").find("schema") != std::string::npos);
  REQUIRE(header(d, "dlq.service") == "dlqtest");
  REQUIRE(header(d, "dlq.attempts") == "1");
  REQUIRE(header(d, "dlq.first-failed-at").size() >= 20);
  REQUIRE(header(d, "dlq.parked") == "<missing>");

  REQUIRE(d2.value == not_json.value);
  REQUIRE(header(d2, "x-origin") == "fuzz");
  REQUIRE(header(d2, "dlq.error.message").find("envelope") != std::string::npos);

  // The records after each poison record were processed, in order.
  REQUIRE(testing::eventually([&] { return h.applied_count() >= 3; }, 30s));
  std::lock_guard lock(h.mutex);
  REQUIRE(h.applied.size() == 3);
  REQUIRE(h.applied[0].find("first") != std::string::npos);
  REQUIRE(h.applied[1].find("second") != std::string::npos);
  REQUIRE(h.applied[2].find("third") != std::string::npos);
}

TEST_CASE("DLQ: with key parking, later records of a dead-lettered key follow it", "[acceptance][dlq]") {
  Harness h(/*park=*/true);
  auto bad = testing::event_record(h.topic, "order-7", "test.sample", R"({"count":1})");  // name missing
  auto later_same_key = testing::sample_event(h.topic, "order-7", "later", 2);
  auto other_key = testing::sample_event(h.topic, "order-8", "other", 3);
  devbroker::testing::produce_all(h.cluster.bootstrap(), {bad, later_same_key, other_key});

  auto dead = devbroker::testing::consume_at_least(h.cluster.bootstrap(), "caas.dlq.dlqtest.v1", 2, 60s);
  REQUIRE(dead.size() == 2);
  std::sort(dead.begin(), dead.end(), [](auto& a, auto& b) { return a.offset < b.offset; });
  REQUIRE(dead[0].value == bad.value);
  REQUIRE(header(dead[0], "dlq.parked") == "<missing>");
  REQUIRE(dead[1].value == later_same_key.value);
  REQUIRE(header(dead[1], "dlq.parked") == "true");

  REQUIRE(testing::eventually([&] { return h.applied_count() >= 1; }, 30s));
  std::lock_guard lock(h.mutex);
  REQUIRE(h.applied.size() == 1);
  REQUIRE(h.applied[0].find("other") != std::string::npos);
}
