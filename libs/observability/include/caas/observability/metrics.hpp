#pragma once
// Prometheus metrics: a Metrics object owns the registry every component of a
// service registers its families in (one "probe" per component, created once),
// and serialises it to the text exposition format for GET /metrics. We do not
// use prometheus-cpp's pull/civetweb exposer: our own HTTP server serves
// serialize() with kPrometheusContentType.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>

namespace caas::observability {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";

/// Latency buckets in seconds (Prometheus convention: *_seconds names),
/// 1 ms .. 30 s.
const prometheus::Histogram::BucketBoundaries& default_latency_buckets();

/// A histogram family together with its bucket boundaries, so a child with
/// any label set can be created on demand (ScopedTimer's outcome label).
class HistogramFamily {
 public:
  HistogramFamily(prometheus::Family<prometheus::Histogram>& family, prometheus::Histogram::BucketBoundaries buckets)
      : family_(&family),
        buckets_(std::make_shared<const prometheus::Histogram::BucketBoundaries>(std::move(buckets))) {}
  prometheus::Histogram& with(const prometheus::Labels& labels) const { return family_->Add(labels, *buckets_); }
  prometheus::Family<prometheus::Histogram>& family() const { return *family_; }
  const prometheus::Histogram::BucketBoundaries& buckets() const { return *buckets_; }

 private:
  prometheus::Family<prometheus::Histogram>* family_;  // owned by the registry
  // Shared so copies (one per ScopedTimer) cost a reference count, not a vector.
  std::shared_ptr<const prometheus::Histogram::BucketBoundaries> buckets_;
};

/// Process metrics read from /proc at scrape time: process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds,
/// process_cpu_seconds_total.
class ProcessCollector : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  double start_time_seconds_;  // fixed for the process lifetime
};

class Metrics {
 public:
  /// `process_metrics` = false leaves out the /proc collector (tests).
  explicit Metrics(bool process_metrics = true);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  prometheus::Family<prometheus::Counter>& counter_family(const std::string& name, const std::string& help,
                                                          const prometheus::Labels& constant_labels = {});
  prometheus::Family<prometheus::Gauge>& gauge_family(const std::string& name, const std::string& help,
                                                      const prometheus::Labels& constant_labels = {});
  HistogramFamily histogram_family(const std::string& name, const std::string& help,
                                   prometheus::Histogram::BucketBoundaries buckets = default_latency_buckets(),
                                   const prometheus::Labels& constant_labels = {});

  /// Shortcuts for a single child.
  prometheus::Counter& counter(const std::string& name, const std::string& help, const prometheus::Labels& labels = {});
  prometheus::Gauge& gauge(const std::string& name, const std::string& help, const prometheus::Labels& labels = {});

  /// Extra collectables (e.g. librdkafka statistics), scraped with the registry.
  /// Held weakly: an expired one is skipped.
  void add_collectable(std::weak_ptr<prometheus::Collectable> collectable);

  /// The whole exposition in text format 0.0.4. A family registered but
  /// without children yet (a labelled counter nothing has incremented) is
  /// still listed, with its # HELP and # TYPE lines and no samples: the
  /// metric exists from the start, as dashboards, alert rules and
  /// ops_live_metrics_exist expect.
  std::string serialize() const;

 private:
  void declare(const std::string& name, const std::string& help, const char* type);

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ProcessCollector> process_;
  std::vector<std::weak_ptr<prometheus::Collectable>> extra_;
  mutable std::mutex extra_mutex_;
  struct Declared {
    std::string help;
    const char* type;
  };
  std::map<std::string, Declared> declared_;  // every family registered, by name
  mutable std::mutex declared_mutex_;
};

/// RAII latency probe: records the elapsed time (seconds) into `family` when it
/// goes out of scope, with label "outcome" = whatever set_outcome() chose last
/// — "error" unless told otherwise, so an early return or an exception is
/// counted as a failure rather than silently as a success.
class ScopedTimer {
 public:
  explicit ScopedTimer(const HistogramFamily& family, prometheus::Labels labels = {},
                       std::string initial_outcome = "error");
  ~ScopedTimer();
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

  void set_outcome(std::string outcome) { outcome_ = std::move(outcome); }
  void success() { outcome_ = "ok"; }
  /// Do not record anything (e.g. the operation was not attempted).
  void cancel() { cancelled_ = true; }
  double elapsed_seconds() const;

 private:
  HistogramFamily family_;  // a cheap copy: safe even if built from a temporary
  prometheus::Labels labels_;
  std::string outcome_;
  std::chrono::steady_clock::time_point start_;
  bool cancelled_ = false;
};

}  // namespace caas::observability
