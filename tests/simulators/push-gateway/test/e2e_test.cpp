// End to end: the real caas-push-sim binary as a child process. Start-up
// contract (listening line, port file), one message sent and read back, a
// fault through the control API, clean exit on SIGTERM, exit 2 on a bad
// configuration.
#include "harness.hpp"

#include "child_process.hpp"
#include "local_resources.hpp"

#include <filesystem>
#include <fstream>

using namespace caas;
using namespace caas::push_sim::test;

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

TEST_CASE("the binary listens, announces its port, delivers a message and stops on SIGTERM", "[e2e]") {
  const auto dir = caas::testing::fresh_dir("push-sim-e2e");
  write_file(dir / "tokens", std::string("# notification service\n") + kToken + "\n\n# rotated\nold-token\n");
  testing::ChildProcess sim({CAAS_PUSH_SIM_BINARY, "--api-token-file", (dir / "tokens").string(), "--port", "0",
                             "--port-file", (dir / "port").string(), "--seed=3", "--hold", "2s"},
                            {{"CAAS_LOG_LEVEL", "warn"}});
  auto line = sim.wait_for_line("caas-push-sim listening on 127.0.0.1:", 10s);
  REQUIRE(line);
  const std::string port = first_line(dir / "port");
  CHECK(*line == "caas-push-sim listening on 127.0.0.1:" + port);
  const std::string base = "http://127.0.0.1:" + port;

  http::HttpClient client;
  auto r = client.request(message_request(base, message_body("CAAS-CUST-E2E"), "e2e-1"), 5s);
  REQUIRE(r);
  REQUIRE(r->status == 202);
  const auto id = str(parse(r->body)["message_id"]);
  auto again = client.request(message_request(base, message_body("CAAS-CUST-E2E"), "e2e-1", "old-token"), 5s);
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(parse(again->body)["duplicate"].GetBool());

  auto messages = client.request({"GET", base + "/control/messages?customer_id=CAAS-CUST-E2E", {}, {}}, 5s);
  REQUIRE(messages);
  REQUIRE(messages->status == 200);
  auto doc = parse(messages->body);
  REQUIRE(doc["messages"].Size() == 1);
  CHECK(str(doc["messages"][0]["message_id"]) == id);
  CHECK(str(doc["messages"][0]["title"]) == "Pedido confirmado");

  http::ClientRequest down{"POST", base + "/control/faults", {}, R"({"down":true})"};
  REQUIRE(client.request(down, 5s)->status == 200);
  auto unavailable = client.request(message_request(base, message_body("CAAS-CUST-E2E"), "e2e-2"), 5s);
  REQUIRE(unavailable);
  CHECK(unavailable->status == 503);

  auto stats = client.request({"GET", base + "/control/stats", {}, {}}, 5s);
  REQUIRE(stats);
  CHECK(stats->body == R"({"requests":3,"accepted":1,"duplicates":1,"rejected":{"503":1},"held":0})");

  sim.terminate();
  CHECK(sim.wait(10s) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the binary refuses a bad configuration with exit code 2", "[e2e]") {
  const auto dir = caas::testing::fresh_dir("push-sim-e2e-config");
  testing::ChildProcess missing_token({CAAS_PUSH_SIM_BINARY, "--port", "0"});
  CHECK(missing_token.wait(10s) == 2);
  write_file(dir / "empty", "# no token here\n\n");
  testing::ChildProcess empty_file({CAAS_PUSH_SIM_BINARY, "--api-token-file", (dir / "empty").string()});
  CHECK(empty_file.wait(10s) == 2);
  testing::ChildProcess unknown_flag({CAAS_PUSH_SIM_BINARY, "--colour", "red"});
  CHECK(unknown_flag.wait(10s) == 2);
  testing::ChildProcess help({CAAS_PUSH_SIM_BINARY, "--help"});
  CHECK(help.wait_for_line("usage: caas-push-sim", 10s));
  CHECK(help.wait(10s) == 0);
  std::filesystem::remove_all(dir);
}
