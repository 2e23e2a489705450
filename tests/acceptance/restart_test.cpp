// Acceptance (issue 2): a consumer (a real service process built on the
// service skeleton) killed mid-stream and restarted resumes from the offsets
// in its own store, and applies every event exactly once — duplicates in the
// stream included (dedup by event id). Wiped, the store is rebuilt by replay.
#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>

#include "child_process.hpp"
#include "event_factory.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>

using namespace caas;
using namespace std::chrono_literals;

namespace {
std::map<std::string, long> parse_fields(const std::string& line) {
  std::map<std::string, long> fields;
  static const std::regex kv(R"((\w+)=(-?\d+))");
  for (auto it = std::sregex_iterator(line.begin(), line.end(), kv); it != std::sregex_iterator(); ++it) {
    fields[(*it)[1]] = std::stol((*it)[2]);
  }
  return fields;
}
}  // namespace

TEST_CASE("consumer killed mid-stream resumes from its stored offsets without double effects",
          "[acceptance][restart]") {
  devbroker::MockCluster cluster(3);
  const std::string topic = "caas.test.ledger.v1";
  cluster.create_topic(topic, 3);
  cluster.create_topic("caas.dlq.ledger.v1", 1);

  constexpr int kDistinct = 3000;
  std::vector<kafka::Record> records;
  for (int i = 0; i < kDistinct; ++i) {
    records.push_back(testing::sample_event(topic, "vehicle-" + std::to_string(i % 40), "e", i));
    if (i % 10 == 0) records.push_back(records.back());  // the same event delivered twice
  }
  devbroker::testing::produce_all(cluster.bootstrap(), records, 30s);

  const auto data = std::filesystem::temp_directory_path() / ("caas-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data);
  const std::map<std::string, std::string> env{{"CAAS_KAFKA_BOOTSTRAP", cluster.bootstrap()},
                                               {"CAAS_DATA_DIR", data.string()},
                                               {"CAAS_HTTP_PORT", "0"},
                                               {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
                                               {"CAAS_LOG_LEVEL", "warn"}};
  const std::string binary = testing::executable_dir() + "/caas-test-ledger";

  {
    testing::ChildProcess first({binary}, env);
    REQUIRE(first.wait_for_line("progress applied=500", 90s));
    first.kill_hard();
  }

  testing::ChildProcess second({binary}, env);
  auto done = second.wait_for_line("caught-up", 120s);
  REQUIRE(done);
  auto fields = parse_fields(*done);
  INFO(*done);
  CHECK(fields["applied"] == kDistinct);  // every event applied ...
  CHECK(fields["max_effect"] == 1);       // ... exactly once
  CHECK(fields["handled"] < kDistinct);   // the restart resumed, it did not start over
  second.terminate();
  REQUIRE(second.wait(30s) == 0);  // graceful SIGTERM shutdown exits 0

  // The store is a cache of the log: wiped, it is rebuilt by replay to the same state.
  std::filesystem::remove_all(data / "ledger");
  testing::ChildProcess third({binary}, env);
  auto replayed = third.wait_for_line("caught-up", 120s);
  REQUIRE(replayed);
  auto rebuilt = parse_fields(*replayed);
  INFO(*replayed);
  CHECK(rebuilt["applied"] == kDistinct);
  CHECK(rebuilt["max_effect"] == 1);
  CHECK(rebuilt["handled"] == kDistinct);  // replayed from the beginning, duplicates skipped
  third.terminate();
  REQUIRE(third.wait(30s) == 0);
  std::filesystem::remove_all(data);
}

TEST_CASE("records waiting for their aggregate survive kill -9: nothing lost, nothing applied twice, in order",
          "[acceptance][restart][waiting]") {
  devbroker::MockCluster cluster(3);
  const std::string topic = "caas.test.ledger.v1";
  cluster.create_topic(topic, 3);
  cluster.create_topic("caas.dlq.ledger.v1", 1);

  // 40 aggregates; each key's first events overtake its "open", so they wait.
  constexpr int kKeys = 40;
  constexpr int kPerKey = 60;
  constexpr int kOpenAt = 8;
  std::vector<kafka::Record> records;
  for (int n = 0; n < kPerKey; ++n) {
    for (int k = 0; k < kKeys; ++k) {
      const auto key = "aggregate-" + std::to_string(k);
      records.push_back(testing::sample_event(topic, key, n == kOpenAt ? "open" : "e", n + 1));
      if ((n + k) % 7 == 0) records.push_back(records.back());  // delivered twice
    }
  }
  devbroker::testing::produce_all(cluster.bootstrap(), records, 30s);

  const auto data = std::filesystem::temp_directory_path() / ("caas-restart-wait-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data);
  const std::map<std::string, std::string> env{
      {"CAAS_KAFKA_BOOTSTRAP", cluster.bootstrap()}, {"CAAS_DATA_DIR", data.string()}, {"CAAS_HTTP_PORT", "0"},
      {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},          {"CAAS_LOG_LEVEL", "warn"},       {"CAAS_TEST_LEDGER_WAIT", "1"}};
  const std::string binary = testing::executable_dir() + "/caas-test-ledger";
  {
    testing::ChildProcess first({binary}, env);
    REQUIRE(first.wait_for_line("progress applied=100", 90s));  // most keys still wait for their open
    first.kill_hard();
  }
  testing::ChildProcess second({binary}, env);
  auto done = second.wait_for_line("caught-up", 120s);
  REQUIRE(done);
  auto fields = parse_fields(*done);
  INFO(*done);
  CHECK(fields["applied"] == kKeys * kPerKey);  // every event applied ...
  CHECK(fields["max_effect"] == 1);             // ... exactly once
  CHECK(fields["waiting"] == 0);                // nothing left behind
  CHECK(fields["out_of_order"] == 0);           // and each key in its order
  second.terminate();
  REQUIRE(second.wait(30s) == 0);
  std::filesystem::remove_all(data);
}
