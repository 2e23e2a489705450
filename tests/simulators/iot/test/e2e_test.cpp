// End to end: the real caas-iot-sim binary as a child process. Start-up
// contract (listening line, port file), the fleet reproducible from the
// seed across processes, a command acknowledged and telemetry received with
// a whsec_ secret decoded like the ingress decodes it, clean exit on
// SIGTERM, exit 2 on a bad configuration.
#include "harness.hpp"

#include "child_process.hpp"
#include "local_resources.hpp"

#include <caas/security/crypto.hpp>

#include <filesystem>
#include <fstream>

using namespace caas;
using namespace caas::iot_sim;
using namespace caas::iot_sim::test;

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

std::string first_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

TEST_CASE("the binary listens, runs the seeded fleet, acknowledges a command, streams telemetry, stops on SIGTERM",
          "[e2e]") {
  const auto dir = caas::testing::fresh_dir("iot-sim-e2e");
  WebhookReceiver receiver;
  write_file(dir / "tokens", std::string("# ota-engine\n") + kToken + "\n");
  write_file(dir / "secret", "whsec_" + security::base64_encode(kSecret) + "\nold-secret\n");
  testing::ChildProcess sim({CAAS_IOT_SIM_BINARY,
                             "--api-token-file",
                             (dir / "tokens").string(),
                             "--port",
                             "0",
                             "--port-file",
                             (dir / "port").string(),
                             "--webhook-secret-file",
                             (dir / "secret").string(),
                             "--telemetry-url",
                             receiver.base() + kTelemetryPath,
                             "--command-status-url",
                             receiver.base() + kCommandStatusPath,
                             "--vehicles=10",
                             "--seed",
                             "42",
                             "--telemetry-interval",
                             "100ms",
                             "--apply-delay",
                             "20ms"},
                            {{"CAAS_LOG_LEVEL", "warn"}});
  auto line = sim.wait_for_line("caas-iot-sim listening on 127.0.0.1:", 10s);
  REQUIRE(line);
  const std::string port = first_line(dir / "port");
  CHECK(*line == "caas-iot-sim listening on 127.0.0.1:" + port);
  const std::string base = "http://127.0.0.1:" + port;
  http::HttpClient client;

  // The same seed gives the same fleet as generate_fleet in this process.
  auto fleet = client.request({"GET", base + "/control/vehicles", {}, {}}, 5s);
  REQUIRE(fleet);
  auto doc = parse(fleet->body);
  REQUIRE(doc["vehicles"].Size() == 10);
  SeededRandom rng(42);
  const auto expected = generate_fleet(10, rng);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(str(doc["vehicles"][static_cast<rapidjson::SizeType>(i)]["vin"]) == expected[i].vin);
  }
  const auto vin = expected[0].vin;

  http::ClientRequest configure{"POST",
                                base + "/api/v1/vehicles/" + vin + "/configuration",
                                {},
                                R"({"command_id":"e2e-1","parameters":{"power_mode":"HIGH"}})"};
  configure.headers.set("Content-Type", "application/json");
  configure.headers.set("Authorization", std::string("Bearer ") + kToken);
  auto accepted = client.request(configure, 5s);
  REQUIRE(accepted);
  CHECK(accepted->status == 202);
  REQUIRE(receiver.wait_for([&] { return receiver.statuses_of("e2e-1").size() >= 2; }));
  CHECK(results_of(receiver.statuses_of("e2e-1")) == std::vector<std::string>{"ACCEPTED", "APPLIED"});
  REQUIRE(receiver.wait_for([&] { return receiver.readings().size() >= 20; }));
  CHECK(receiver.refusals().empty());

  sim.terminate();
  CHECK(sim.wait(10s) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the binary reads the platform's variable names and applies a fault file at start", "[e2e]") {
  const auto dir = caas::testing::fresh_dir("iot-sim-e2e-env");
  SeededRandom rng(9);
  const auto vin = generate_fleet(3, rng)[1].vin;
  write_file(dir / "tokens", std::string(kToken) + "\n");
  write_file(dir / "faults", R"({"vehicles":{")" + vin + R"(":{"offline":true}}})");
  testing::ChildProcess sim({CAAS_IOT_SIM_BINARY, "--faults-file", (dir / "faults").string()},
                            {{"CAAS_IOT_API_TOKEN_FILE", (dir / "tokens").string()},
                             {"CAAS_IOT_SIM_VEHICLES", "3"},
                             {"CAAS_IOT_SIM_SEED", "9"},
                             {"CAAS_LOG_LEVEL", "warn"}});
  auto line = sim.wait_for_line("caas-iot-sim listening on 127.0.0.1:", 10s);
  REQUIRE(line);
  const std::string base = "http://" + line->substr(line->rfind(' ') + 1);
  http::HttpClient client;
  http::ClientRequest status{"GET", base + "/api/v1/vehicles/" + vin + "/status", {}, {}};
  status.headers.set("Authorization", std::string("Bearer ") + kToken);
  auto r = client.request(status, 5s);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK_FALSE(parse(r->body)["connectivity"]["online"].GetBool());
  auto periods = client.request({"GET", base + "/control/offline-periods", {}, {}}, 5s);
  REQUIRE(periods);
  CHECK(str(parse(periods->body)["vehicles"][0]["vin"]) == vin);
  sim.terminate();
  CHECK(sim.wait(10s) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the binary refuses a bad configuration with exit code 2", "[e2e]") {
  const auto dir = caas::testing::fresh_dir("iot-sim-e2e-config");
  write_file(dir / "tokens", std::string(kToken) + "\n");
  const std::string tokens = (dir / "tokens").string();
  testing::ChildProcess missing_token({CAAS_IOT_SIM_BINARY, "--port", "0"});
  CHECK(missing_token.wait(10s) == 2);
  testing::ChildProcess url_without_secret(
      {CAAS_IOT_SIM_BINARY, "--api-token-file", tokens, "--telemetry-url", "http://127.0.0.1:1/t"});
  CHECK(url_without_secret.wait(10s) == 2);
  write_file(dir / "faults", R"({"vehicles":{"VSSZZZ6JZ9R000000":{"offline":true}}})");
  testing::ChildProcess unknown_vin(
      {CAAS_IOT_SIM_BINARY, "--api-token-file", tokens, "--faults-file", (dir / "faults").string()});
  CHECK(unknown_vin.wait(10s) == 2);
  testing::ChildProcess bad_batch({CAAS_IOT_SIM_BINARY, "--api-token-file", tokens, "--batch-size", "501"});
  CHECK(bad_batch.wait(10s) == 2);
  testing::ChildProcess unknown_flag({CAAS_IOT_SIM_BINARY, "--colour", "red"});
  CHECK(unknown_flag.wait(10s) == 2);
  testing::ChildProcess help({CAAS_IOT_SIM_BINARY, "--help"});
  CHECK(help.wait_for_line("usage: caas-iot-sim", 10s));
  CHECK(help.wait(10s) == 0);
  testing::ChildProcess version({CAAS_IOT_SIM_BINARY, "--version"});
  CHECK(version.wait_for_line("caas-iot-sim ", 10s));
  CHECK(version.wait(10s) == 0);
  std::filesystem::remove_all(dir);
}
