#include <catch2/catch.hpp>
#include <stdexcept>

#include "caas/observability/metrics.hpp"

using namespace caas::observability;

TEST_CASE("serialize emits registered families in text format", "[metrics]") {
  Metrics metrics(false);
  metrics.counter("caas_orders_placed_total", "Orders placed.", {{"result", "ok"}}).Increment(3);
  metrics.gauge("caas_outbox_pending", "Outbox entries not yet delivered.").Set(7);
  auto h = metrics.histogram_family("caas_factory_request_duration_seconds", "Factory call latency.");
  h.with({{"outcome", "ok"}}).Observe(0.02);

  const auto text = metrics.serialize();
  CHECK(text.find("# TYPE caas_orders_placed_total counter") != std::string::npos);
  CHECK(text.find("caas_orders_placed_total{result=\"ok\"} 3") != std::string::npos);
  CHECK(text.find("caas_outbox_pending 7") != std::string::npos);
  CHECK(text.find("# TYPE caas_factory_request_duration_seconds histogram") != std::string::npos);
  CHECK(text.find("caas_factory_request_duration_seconds_bucket{outcome=\"ok\",le=\"0.025\"} 1") != std::string::npos);
  CHECK(text.find("process_") == std::string::npos);
  CHECK(kPrometheusContentType == "text/plain; version=0.0.4");
}

TEST_CASE("process metrics are read on scrape", "[metrics]") {
  Metrics metrics;
  const auto text = metrics.serialize();
  CHECK(text.find("process_resident_memory_bytes") != std::string::npos);
  CHECK(text.find("process_start_time_seconds") != std::string::npos);
  CHECK(text.find("process_open_fds") != std::string::npos);
}

TEST_CASE("ScopedTimer records once with the outcome chosen last", "[metrics]") {
  Metrics metrics(false);
  auto h = metrics.histogram_family("caas_op_duration_seconds", "Op latency.");
  {
    ScopedTimer t(h, {{"op", "place"}});
    t.success();
  }
  try {
    ScopedTimer t(h, {{"op", "place"}});
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  {
    ScopedTimer t(h, {{"op", "place"}});
    t.set_outcome("timeout");
  }
  {
    ScopedTimer t(h, {{"op", "place"}});
    t.cancel();
  }
  const auto text = metrics.serialize();
  CHECK(text.find("caas_op_duration_seconds_count{op=\"place\",outcome=\"ok\"} 1") != std::string::npos);
  CHECK(text.find("caas_op_duration_seconds_count{op=\"place\",outcome=\"error\"} 1") != std::string::npos);
  CHECK(text.find("caas_op_duration_seconds_count{op=\"place\",outcome=\"timeout\"} 1") != std::string::npos);
  const auto& b = default_latency_buckets();
  CHECK(std::is_sorted(b.begin(), b.end()));
}

TEST_CASE("extra collectables are scraped while alive", "[metrics]") {
  struct Fake : prometheus::Collectable {
    std::vector<prometheus::MetricFamily> Collect() const override {
      prometheus::MetricFamily f;
      f.name = "caas_fake_gauge";
      f.help = "fake";
      f.type = prometheus::MetricType::Gauge;
      prometheus::ClientMetric m;
      m.gauge.value = 42;
      f.metric.push_back(m);
      return {f};
    }
  };
  Metrics metrics(false);
  auto fake = std::make_shared<Fake>();
  metrics.add_collectable(fake);
  CHECK(metrics.serialize().find("caas_fake_gauge 42") != std::string::npos);
  fake.reset();
  CHECK(metrics.serialize().find("caas_fake_gauge") == std::string::npos);
}
