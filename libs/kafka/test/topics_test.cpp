#include <caas/kafka/dlq.hpp>
#include <caas/kafka/topics.hpp>

#include <catch2/catch.hpp>

using namespace caas::kafka;

TEST_CASE("the builtin topic table is proto-schemas/topics.json") {
  const auto& builtin = builtin_topic_table();
  const auto loaded = load_topic_table(CAAS_TOPICS_JSON_PATH);
  REQUIRE(builtin.topics.size() == loaded.topics.size());
  REQUIRE(builtin.topics.size() >= 19);
  for (std::size_t i = 0; i < loaded.topics.size(); ++i) {
    CHECK(builtin.topics[i].name == loaded.topics[i].name);
    CHECK(builtin.topics[i].partitions == loaded.topics[i].partitions);
    CHECK(builtin.topics[i].retention_ms == loaded.topics[i].retention_ms);
  }
  const auto* telemetry = builtin.find("caas.ingress.iot-telemetry.v1");
  REQUIRE(telemetry);
  CHECK(telemetry->partitions == 12);
  CHECK(telemetry->replication_factor == 3);
  CHECK(telemetry->min_insync_replicas == 2);
  CHECK(telemetry->key == "VIN");
  const auto* events = builtin.find("caas.order.events.v1");
  REQUIRE(events);
  CHECK(events->retention_ms == -1);
  CHECK(builtin.find("nope") == nullptr);
  // Every service DLQ named in the design exists in the table.
  for (const char* s :
       {"webhook-ingress", "order", "factory-adapter", "ota-engine", "telemetry-ingest", "notification"}) {
    CHECK(builtin.find(dlq_topic(s)) != nullptr);
  }
}

TEST_CASE("topic table parsing rejects malformed input") {
  CHECK_THROWS(parse_topic_table("not json"));
  CHECK_THROWS(parse_topic_table(R"({"topics": [{"name": "a"}]})"));      // no partitions
  CHECK_THROWS(parse_topic_table(R"({"topics": [{"partitions": 1}]})"));  // no name
  CHECK_THROWS(parse_topic_table(R"({"topics": [{"name": "a", "partitions": 1}, {"name": "a", "partitions": 2}]})"));
  CHECK_THROWS(load_topic_table("/nonexistent/topics.json"));
  const auto t = parse_topic_table(
      R"({"defaults": {"replication_factor": 1, "min_insync_replicas": 1},
          "topics": [{"name": "a", "partitions": 2, "retention_ms": 1000}]})");
  REQUIRE(t.topics.size() == 1);
  CHECK(t.topics[0].replication_factor == 1);
  CHECK(t.topics[0].retention_ms == 1000);
}
