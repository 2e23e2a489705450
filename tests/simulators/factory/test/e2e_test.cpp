// End to end: the real caas-factory-sim binary as a child process. Start-up
// contract (listening line, port file), an order placed over HTTP with its
// webhooks signed and delivered, clean exit on SIGTERM, exit 2 on bad
// configuration.
#include "harness.hpp"

#include "child_process.hpp"
#include "local_resources.hpp"

#include <filesystem>
#include <fstream>

using namespace caas;
using namespace caas::factory_sim::test;

namespace {

std::filesystem::path fresh_dir() {
  return caas::testing::fresh_dir("factory-sim-e2e");
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

TEST_CASE("the binary listens, announces its port, sends signed webhooks and stops on SIGTERM", "[e2e]") {
  WebhookReceiver receiver;
  const auto dir = fresh_dir();
  write_file(dir / "tokens", std::string("# current\n") + kToken + "\n");
  write_file(dir / "secret", std::string("# signing secret, current first\n") + kSecret + "\nprevious-secret\n");
  testing::ChildProcess sim(
      {CAAS_FACTORY_SIM_BINARY, "--api-token-file", (dir / "tokens").string(), "--port-file", (dir / "port").string(),
       "--webhook-url", receiver.url(), "--stage-interval=20ms", "--retry-base", "10ms", "--seed", "11"},
      {{"CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE", (dir / "secret").string()}, {"CAAS_LOG_LEVEL", "warn"}});
  auto line = sim.wait_for_line("caas-factory-sim listening on 127.0.0.1:", 10s);
  REQUIRE(line);
  const std::string port = read_file(dir / "port");
  CHECK(*line == "caas-factory-sim listening on 127.0.0.1:" + port);

  http::HttpClient client;
  http::ClientRequest place{"POST", "http://127.0.0.1:" + port + "/api/v1/orders", {}, order_body("CUST-E2E")};
  place.headers.set("Authorization", std::string("Bearer ") + kToken);
  place.headers.set("Content-Type", "application/json");
  place.headers.set("Idempotency-Key", "e2e-1");
  auto r = client.request(place, 5s);
  REQUIRE(r);
  REQUIRE(r->status == 201);
  const auto id = str(parse(r->body)["order_id"]);
  REQUIRE(receiver.wait_accepted(id, 7));
  CHECK(statuses_of(receiver.accepted(id)) == kFullPath);
  CHECK(receiver.bad_signatures() == 0);

  sim.terminate();
  CHECK(sim.wait(10s) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the binary refuses a bad configuration with exit code 2", "[e2e]") {
  testing::ChildProcess missing_token({CAAS_FACTORY_SIM_BINARY, "--stage-interval", "fast"});
  CHECK(missing_token.wait(10s) == 2);
  testing::ChildProcess unknown_flag({CAAS_FACTORY_SIM_BINARY, "--colour", "red"});
  CHECK(unknown_flag.wait(10s) == 2);
  testing::ChildProcess help({CAAS_FACTORY_SIM_BINARY, "--help"});
  CHECK(help.wait_for_line("usage: caas-factory-sim", 10s));
  CHECK(help.wait(10s) == 0);
}
