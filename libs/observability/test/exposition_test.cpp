// The exposition lists every registered family, with or without children yet.
#include <caas/observability/metrics.hpp>

#include <catch2/catch.hpp>

#include <string>

using caas::observability::Metrics;

TEST_CASE("a family registered without children is listed with HELP and TYPE and no samples") {
  Metrics m(false);
  auto& retries = m.counter_family("demo_retries_total", "Retries by error class");
  (void)m.gauge_family("demo_depth", "Depth by channel");
  (void)m.histogram_family("demo_latency_seconds", "Latency");
  auto text = m.serialize();
  CHECK(text.find("# HELP demo_retries_total Retries by error class\n# TYPE demo_retries_total counter\n") !=
        std::string::npos);
  CHECK(text.find("# TYPE demo_depth gauge\n") != std::string::npos);
  CHECK(text.find("# TYPE demo_latency_seconds histogram\n") != std::string::npos);
  CHECK(text.find("demo_retries_total{") == std::string::npos);

  // Once it has a child it is serialised as usual, once.
  retries.Add({{"error_class", "transient"}}).Increment();
  text = m.serialize();
  CHECK(text.find(R"(demo_retries_total{error_class="transient"} 1)") != std::string::npos);
  const auto first = text.find("# TYPE demo_retries_total counter");
  REQUIRE(first != std::string::npos);
  CHECK(text.find("# TYPE demo_retries_total counter", first + 1) == std::string::npos);
}
