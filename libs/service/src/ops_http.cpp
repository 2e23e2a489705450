#include <caas/service/ops_http.hpp>

#include <caas/observability/logger.hpp>

namespace caas::service {

void Readiness::add(std::string name, std::function<bool()> check) {
  std::lock_guard lock(mutex_);
  checks_.emplace_back(std::move(name), std::move(check));
}

Readiness::Report Readiness::evaluate() const {
  std::lock_guard lock(mutex_);
  Report report;
  for (const auto& [name, check] : checks_) {
    const bool ok = check();
    report.ready = report.ready && ok;
    report.checks.emplace_back(name, ok);
  }
  return report;
}

void add_ops_routes(http::Router& router, observability::Metrics& metrics, const Readiness& readiness) {
  router.add_sync("GET", "/healthz",
                  [](const http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); });
  router.add_sync("GET", "/readyz", [&readiness](const http::Request&) {
    auto report = readiness.evaluate();
    std::string body = report.ready ? R"({"status":"ready","checks":{)" : R"({"status":"not-ready","checks":{)";
    bool first = true;
    for (const auto& [name, ok] : report.checks) {
      if (!first) body += ',';
      first = false;
      observability::append_json_string(body, name);
      body += ok ? ":true" : ":false";
    }
    body += "}}";
    auto response = http::Response::json(report.ready ? 200 : 503, std::move(body));
    if (!report.ready) response.headers.set("Retry-After", "1");
    return response;
  });
  router.add_sync("GET", "/metrics", [&metrics](const http::Request&) {
    http::Response response;
    response.status = 200;
    response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = metrics.serialize();
    return response;
  });
}

HttpMetricsObserver::HttpMetricsObserver(observability::Metrics& metrics)
    : requests_(metrics.counter_family("http_requests_total", "HTTP requests by method, route and status")),
      duration_(metrics.histogram_family("http_request_duration_seconds",
                                         "HTTP request duration from parsed head to response written")),
      connections_(metrics.gauge("http_open_connections", "Open HTTP connections")),
      in_flight_(metrics.gauge("http_requests_in_flight", "HTTP requests being handled")) {}

HttpMetricsObserver::Series HttpMetricsObserver::series(std::string_view method, std::string_view route, int status) {
  std::string key;
  key.reserve(method.size() + route.size() + 5);
  key.append(method).append(" ").append(route).append(" ").append(std::to_string(status));
  std::lock_guard lock(series_mutex_);
  if (auto it = series_.find(key); it != series_.end()) return it->second;
  const std::string route_label = route.empty() ? "unmatched" : std::string(route);
  const Series found{
      &requests_.Add({{"method", std::string(method)}, {"route", route_label}, {"status", std::to_string(status)}}),
      &duration_.with({{"method", std::string(method)}, {"route", route_label}})};
  if (series_.size() < kMaxCachedSeries) series_.emplace(std::move(key), found);
  return found;
}

void HttpMetricsObserver::on_request_complete(std::string_view method, std::string_view route, int status,
                                              std::chrono::nanoseconds duration) {
  const Series s = series(method, route, status);
  s.requests->Increment();
  s.duration->Observe(std::chrono::duration<double>(duration).count());
}

void HttpMetricsObserver::on_connections_changed(std::size_t open) {
  connections_.Set(static_cast<double>(open));
}

void HttpMetricsObserver::on_in_flight_changed(std::size_t in_flight) {
  in_flight_.Set(static_cast<double>(in_flight));
}

}  // namespace caas::service
