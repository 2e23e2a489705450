#pragma once
// The routes every service serves beside its API (DESIGN.md §2):
//   GET /healthz  200 while the process is alive
//   GET /readyz   200 when every readiness check passes, else 503 naming the failing ones
//   GET /metrics  Prometheus text format, our own serialization of the registry
// and the HTTP metrics of every request (an http::ServerObserver).

#include <caas/http/server.hpp>
#include <caas/observability/metrics.hpp>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace caas::service {

/// Named boolean checks; /readyz is the conjunction. Checks must be cheap and
/// non-blocking (they run on an HTTP I/O thread): cache slow probes.
class Readiness {
 public:
  void add(std::string name, std::function<bool()> check);
  struct Report {
    bool ready = true;
    std::vector<std::pair<std::string, bool>> checks;
  };
  Report evaluate() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::function<bool()>>> checks_;
};

void add_ops_routes(http::Router& router, observability::Metrics& metrics, const Readiness& readiness);

/// Exports http_requests_total{method,route,status}, http_request_duration_seconds,
/// http_open_connections and http_requests_in_flight.
class HttpMetricsObserver final : public http::ServerObserver {
 public:
  explicit HttpMetricsObserver(observability::Metrics& metrics);
  void on_request_complete(std::string_view method, std::string_view route, int status,
                           std::chrono::nanoseconds duration) override;
  void on_connections_changed(std::size_t open) override;
  void on_in_flight_changed(std::size_t in_flight) override;

 private:
  // The series of one (method, route, status): looked up once, then reused,
  // because building label maps and hashing them per request costs more
  // than the rest of the bookkeeping.
  struct Series {
    prometheus::Counter* requests;
    prometheus::Histogram* duration;
  };
  static constexpr std::size_t kMaxCachedSeries = 1024;  // unknown methods must not grow it without bound
  Series series(std::string_view method, std::string_view route, int status);

  prometheus::Family<prometheus::Counter>& requests_;
  observability::HistogramFamily duration_;
  prometheus::Gauge& connections_;
  prometheus::Gauge& in_flight_;
  std::mutex series_mutex_;
  std::unordered_map<std::string, Series> series_;  // key "method route status"
};

}  // namespace caas::service
