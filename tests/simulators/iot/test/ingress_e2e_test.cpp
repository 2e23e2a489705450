// The simulator against the real webhook-ingress: both binaries as child
// processes on loopback, an in-process Kafka-protocol broker. Every
// command-status webhook and every reading the simulator sends is accepted
// (2xx only after Kafka acknowledged) and lands in its topic, keyed by VIN,
// field for field — the set-up the acceptance runs of issues 13 and 14 use.
#include "harness.hpp"

#include "child_process.hpp"
#include "local_resources.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>

#include <filesystem>
#include <fstream>
#include <map>

using namespace caas;
using namespace caas::iot_sim;
using namespace caas::iot_sim::test;

namespace {

/// The `data` of each record's CloudEvents envelope.
std::vector<rapidjson::Document> data_of(const std::vector<kafka::ConsumedRecord>& records) {
  std::vector<rapidjson::Document> out;
  for (const auto& r : records) {
    auto envelope = parse(r.value);
    REQUIRE(envelope.HasMember("data"));
    CHECK(r.key == str(envelope["data"]["vin"]));
    rapidjson::Document data;
    data.CopyFrom(envelope["data"], data.GetAllocator());
    out.push_back(std::move(data));
  }
  return out;
}

}  // namespace

TEST_CASE("the webhook-ingress accepts every command status and reading the simulator sends", "[e2e][ingress]") {
  const auto dir = caas::testing::fresh_dir("iot-sim-ingress");
  devbroker::MockCluster cluster(1);
  write_file(dir / "iot.secrets", std::string(kSecret) + "\n");
  write_file(dir / "factory.secrets", "factory-secret\n");
  write_file(dir / "tokens", std::string(kToken) + "\n");
  const auto ingress_port = caas::testing::free_port();
  testing::ChildProcess ingress({CAAS_INGRESS_BINARY},
                                {{"CAAS_KAFKA_BOOTSTRAP", cluster.bootstrap()},
                                 {"CAAS_DATA_DIR", (dir / "data").string()},
                                 {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
                                 {"CAAS_HTTP_PORT", std::to_string(ingress_port)},
                                 {"CAAS_LOG_LEVEL", "warn"},
                                 {"CAAS_KAFKA_FETCH_WAIT_MAX", "10ms"},
                                 {"CAAS_IOT_WEBHOOK_SECRETS_FILE", (dir / "iot.secrets").string()},
                                 {"CAAS_FACTORY_WEBHOOK_SECRETS_FILE", (dir / "factory.secrets").string()}});
  const std::string ingress_base = "http://127.0.0.1:" + std::to_string(ingress_port);
  http::HttpClient client;
  REQUIRE(caas::testing::eventually(
      [&] {
        auto r = client.request({"GET", ingress_base + "/readyz", {}, {}}, 1s);
        return r && r->status == 200;
      },
      60s));

  testing::ChildProcess sim({CAAS_IOT_SIM_BINARY,
                             "--api-token-file",
                             (dir / "tokens").string(),
                             "--port",
                             "0",
                             "--webhook-secret-file",
                             (dir / "iot.secrets").string(),
                             "--telemetry-url",
                             ingress_base + "/api/v1/webhooks/iot/telemetry",
                             "--command-status-url",
                             ingress_base + "/api/v1/webhooks/iot/command-status",
                             "--vehicles",
                             "5",
                             "--seed",
                             "11",
                             "--telemetry-interval",
                             "100ms",
                             "--batch-size",
                             "10",
                             "--apply-delay",
                             "20ms"},
                            {{"CAAS_LOG_LEVEL", "warn"}});
  auto line = sim.wait_for_line("caas-iot-sim listening on 127.0.0.1:", 10s);
  REQUIRE(line);
  const std::string base = "http://" + line->substr(line->rfind(' ') + 1);
  SeededRandom rng(11);
  const auto vin = generate_fleet(5, rng)[2].vin;

  http::ClientRequest configure{"POST",
                                base + "/api/v1/vehicles/" + vin + "/configuration",
                                {},
                                R"({"command_id":"ingress-1","parameters":{"power_mode":"HIGH","climate_zones":4}})"};
  configure.headers.set("Content-Type", "application/json");
  configure.headers.set("Authorization", std::string("Bearer ") + kToken);
  auto accepted = client.request(configure, 5s);
  REQUIRE(accepted);
  REQUIRE(accepted->status == 202);

  auto statuses =
      data_of(devbroker::testing::consume_at_least(cluster.bootstrap(), "caas.ingress.iot-command-status.v1", 2, 20s));
  REQUIRE(statuses.size() == 2);
  CHECK(str(statuses[0]["result"]) == "ACCEPTED");
  CHECK(str(statuses[1]["result"]) == "APPLIED");
  CHECK(str(statuses[1]["command_id"]) == "ingress-1");
  CHECK(str(statuses[1]["reported_parameters"]["power_mode"]) == "HIGH");
  CHECK(statuses[1]["reported_parameters"]["climate_zones"].GetInt() == 4);
  CHECK(str(statuses[1]["source"]) == "iot-command-status");
  CHECK(str(statuses[0]["webhook_id"]) != str(statuses[1]["webhook_id"]));

  // 5 vehicles × 10 intervals; then stop the stream and compare what Kafka
  // holds with what the simulator says it took.
  devbroker::testing::consume_at_least(cluster.bootstrap(), "caas.ingress.iot-telemetry.v1", 50, 20s);
  auto pause = client.request({"POST", base + "/control/telemetry/pause", {}, {}}, 5s);
  REQUIRE(pause);
  REQUIRE(caas::testing::eventually(
      [&] {
        auto s = client.request({"GET", base + "/control/stats", {}, {}}, 5s);
        if (!s) return false;
        auto doc = parse(s->body);
        return doc["telemetry_webhooks"]["waiting"].GetUint64() == 0 &&
               doc["telemetry_webhooks"]["in_flight"].GetUint64() == 0;
      },
      10s));
  auto readings = data_of(devbroker::testing::consume_all(cluster.bootstrap(), "caas.ingress.iot-telemetry.v1"));
  auto fleet_response = client.request({"GET", base + "/control/vehicles", {}, {}}, 5s);
  REQUIRE(fleet_response);
  auto fleet = parse(fleet_response->body);
  std::map<std::string, std::uint64_t> latest;
  std::map<std::string, std::size_t> count;
  for (const auto& r : readings) {
    const auto v = str(r["vin"]);
    latest[v] = std::max(latest[v], r["seq"].GetUint64());
    ++count[v];
    CHECK(str(r["source"]) == "iot-telemetry");
  }
  REQUIRE(fleet["vehicles"].Size() == 5);
  for (const auto& v : fleet["vehicles"].GetArray()) {
    const auto id = str(v["vin"]);
    const auto taken = v["telemetry"]["last_taken_seq"].GetUint64();
    CHECK(latest[id] == taken);  // no fault on: every reading arrived, once
    CHECK(count[id] == taken);
    CHECK(v["telemetry"]["delivered_seq"].GetUint64() == taken);
  }
  // The vehicle's latest reading in Kafka shows its new configuration.
  bool seen_high = false;
  for (const auto& r : readings) {
    if (str(r["vin"]) == vin && r["seq"].GetUint64() == latest[vin]) {
      seen_high = str(r["configuration"]["power_mode"]) == "HIGH";
    }
  }
  CHECK(seen_high);

  auto ingress_stats = client.request({"GET", base + "/control/stats", {}, {}}, 5s);
  REQUIRE(ingress_stats);
  auto stats = parse(ingress_stats->body);
  CHECK(stats["telemetry_webhooks"]["failed"].GetUint64() == 0);
  CHECK(stats["command_status_webhooks"]["failed"].GetUint64() == 0);

  sim.terminate();
  CHECK(sim.wait(10s) == 0);
  ingress.terminate();
  CHECK(ingress.wait(20s) == 0);
}
