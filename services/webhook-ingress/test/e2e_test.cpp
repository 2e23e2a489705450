// End to end: the real caas-webhook-ingress binary as a child process
// against an in-process MockCluster: start-up contract, 10,000 signed
// webhooks over 64 keep-alive connections (all 200, all in Kafka exactly
// once), graceful SIGTERM.
#include "harness.hpp"

#include "child_process.hpp"
#include "local_resources.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using namespace caas;
using namespace caas::ingress;
using namespace caas::ingress::test;
using namespace std::chrono_literals;

namespace {

bool wait_ready(std::uint16_t port, std::chrono::milliseconds timeout) {
  return testing::eventually(
      [&] {
        try {
          auto r = request(port, "GET", "/readyz", {}, "");
          return r && r->status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      timeout);
}

}  // namespace

TEST_CASE("caas-webhook-ingress: --help, --version, bad configuration", "[e2e]") {
  {
    testing::ChildProcess help({CAAS_INGRESS_BINARY, "--help"});
    REQUIRE(help.wait_for_line("caas-webhook-ingress", 10s));
    CHECK(help.wait(10s) == 0);
  }
  {
    testing::ChildProcess version({CAAS_INGRESS_BINARY, "--version"});
    CHECK(version.wait(10s) == 0);
  }
  {  // no secrets configured: refuses to start, exit 2
    testing::ChildProcess bad({CAAS_INGRESS_BINARY}, {{"CAAS_FACTORY_WEBHOOK_SECRETS_FILE", ""},
                                                      {"CAAS_IOT_WEBHOOK_SECRETS_FILE", ""},
                                                      {"CAAS_INGRESS_SOURCES_FILE", ""}});
    CHECK(bad.wait(10s) == 2);
  }
}

TEST_CASE("10,000 signed webhooks over 64 keep-alive connections: all 200, all in Kafka once", "[e2e][load]") {
  devbroker::MockCluster cluster(1);
  const auto dir = fresh_dir("e2e");
  auto env = base_env(dir, cluster.bootstrap());
  const auto port = testing::free_port();
  env["CAAS_HTTP_PORT"] = std::to_string(port);
  env["CAAS_LOG_LEVEL"] = "warn";
  env["CAAS_INGRESS_CHECK_KNOWN_ORDERS"] = "false";
  env["CAAS_HTTP_THREADS"] = "2";
  // Generous limits for this partner so only the system's capacity is measured.
  write_file(dir / "sources.json", R"({"sources":[
    {"name":"factory","path":"/api/v1/webhooks/factory/status","signature":"factory-hmac",
     "secrets_env":"CAAS_FACTORY_WEBHOOK_SECRETS_FILE","schema":"ingress.factory-status.v1",
     "topic":"caas.ingress.factory-status.v1","key_field":"order_id","validator":"factory-status",
     "rate_limit":{"rps":1000000,"burst":1000000}}]})");
  env["CAAS_INGRESS_SOURCES_FILE"] = (dir / "sources.json").string();
  testing::ChildProcess ingress({CAAS_INGRESS_BINARY}, env);
  REQUIRE(wait_ready(port, 30s));

  constexpr int kConnections = 64;
  constexpr int kTotal = 10000;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::map<int, int> other_statuses;
  std::vector<std::thread> clients;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&, c] {
      std::unique_ptr<Conn> conn;
      for (int i = c; i < kTotal; i += kConnections) {
        const std::string rid = "load-" + std::to_string(i);
        const std::string body = factory_body("FAC-LOAD-" + std::to_string(i % 997), "IN_PRODUCTION",
                                              "2026-11-01T10:00:" + std::to_string(10 + i % 40) + "Z");
        std::optional<HttpResult> r;
        try {
          if (!conn) conn = std::make_unique<Conn>(port);
          if (conn->send_all(build_request("POST", kFactoryPath, factory_headers(body, kFactorySecret, rid), body))) {
            r = conn->read_response(20s);
          }
        } catch (const std::exception&) {
        }
        if (r && r->status == 200) {
          ++ok;
        } else {
          ++failed;
          std::lock_guard lock(mutex);
          other_statuses[r ? r->status : 0]++;
          conn.reset();
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("10,000 webhooks over 64 connections in " << seconds << " s (" << kTotal / seconds
                                                 << " req/s, loopback, with the test's own clients)");
  for (const auto& [status, n] : other_statuses) WARN("status " << status << ": " << n);
  CHECK(ok == kTotal);
  CHECK(failed == 0);

  std::map<std::string, int> in_topic;
  for (const auto& r : read_topic(cluster.bootstrap(), "caas.ingress.factory-status.v1", 60s)) in_topic[r.request_id]++;
  int missing = 0;
  int doubled = 0;
  for (int i = 0; i < kTotal; ++i) {
    const auto it = in_topic.find("load-" + std::to_string(i));
    if (it == in_topic.end())
      ++missing;
    else if (it->second != 1)
      ++doubled;
  }
  CHECK(in_topic.size() == static_cast<std::size_t>(kTotal));
  CHECK(missing == 0);
  CHECK(doubled == 0);

  ingress.terminate();
  CHECK(ingress.wait(20s) == 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
