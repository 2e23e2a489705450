#include <caas/http/client.hpp>
#include <caas/service/ops_http.hpp>

#include <catch2/catch.hpp>

#include <atomic>

using namespace caas;

namespace {
http::Response get(http::HttpClient& client, std::uint16_t port, const std::string& path) {
  auto r = client.request({"GET", "http://127.0.0.1:" + std::to_string(port) + path, {}, {}});
  REQUIRE(r.ok());
  return *r;
}
}  // namespace

TEST_CASE("Readiness is the conjunction of its checks", "[service]") {
  service::Readiness readiness;
  REQUIRE(readiness.evaluate().ready);  // nothing to wait for
  std::atomic<bool> kafka{false};
  readiness.add("kafka", [&] { return kafka.load(); });
  readiness.add("store", [] { return true; });
  auto report = readiness.evaluate();
  REQUIRE_FALSE(report.ready);
  REQUIRE(report.checks.size() == 2);
  kafka = true;
  REQUIRE(readiness.evaluate().ready);
}

TEST_CASE("ops routes: /healthz, /readyz and /metrics over real HTTP", "[service]") {
  observability::Metrics metrics(false);
  metrics.counter("caas_test_total", "a test counter").Increment(3);
  service::Readiness readiness;
  std::atomic<bool> kafka{false};
  readiness.add("kafka", [&] { return kafka.load(); });

  http::Router router;
  service::add_ops_routes(router, metrics, readiness);
  service::HttpMetricsObserver observer(metrics);
  http::ServerOptions options;
  options.address = "127.0.0.1";
  http::Server server(options, std::move(router), &observer);
  server.start();
  http::HttpClient client;

  auto health = get(client, server.port(), "/healthz");
  REQUIRE(health.status == 200);

  auto not_ready = get(client, server.port(), "/readyz");
  REQUIRE(not_ready.status == 503);
  REQUIRE(not_ready.body == R"({"status":"not-ready","checks":{"kafka":false}})");
  kafka = true;
  REQUIRE(get(client, server.port(), "/readyz").status == 200);

  auto scrape = get(client, server.port(), "/metrics");
  REQUIRE(scrape.status == 200);
  REQUIRE(scrape.headers.get("Content-Type").value_or("").find("text/plain") == 0);
  REQUIRE(scrape.body.find("caas_test_total 3") != std::string::npos);
  // The earlier requests were observed.
  REQUIRE(scrape.body.find(R"(http_requests_total{method="GET",route="/readyz",status="503"} 1)") != std::string::npos);
  // Series are looked up once and reused: repeated requests add to the same
  // counters and histograms, and every (method, route, status) keeps its own.
  REQUIRE(get(client, server.port(), "/healthz").status == 200);
  REQUIRE(get(client, server.port(), "/healthz").status == 200);
  REQUIRE(get(client, server.port(), "/no/such/route").status == 404);
  scrape = get(client, server.port(), "/metrics");
  CHECK(scrape.body.find(R"(http_requests_total{method="GET",route="/healthz",status="200"} 3)") != std::string::npos);
  CHECK(scrape.body.find(R"(http_requests_total{method="GET",route="/readyz",status="200"} 1)") != std::string::npos);
  CHECK(scrape.body.find(R"(http_requests_total{method="GET",route="unmatched",status="404"} 1)") != std::string::npos);
  CHECK(scrape.body.find(R"(http_request_duration_seconds_count{method="GET",route="/healthz"} 3)") !=
        std::string::npos);
  server.stop();
}
