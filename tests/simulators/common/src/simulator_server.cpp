#include "caas/sim/simulator_server.hpp"

#include <algorithm>
#include <chrono>

namespace caas::sim {

SimulatorServer::SimulatorServer(observability::Metrics& metrics, std::size_t max_parked_answers)
    : metrics_(metrics), scheduler_(max_parked_answers) {}

SimulatorServer::~SimulatorServer() {
  stop();
}

bool SimulatorServer::start(http::Router router, const Limits& limits) {
  if (started_) return false;
  service::add_ops_routes(router, metrics_, readiness_);
  http::ServerOptions options;
  options.address = limits.address;
  options.port = limits.port;
  options.threads = std::max(1u, limits.http_threads);
  options.max_body_bytes = limits.max_body_bytes;
  options.max_header_bytes = 16 * 1024;
  options.max_connections = limits.max_connections;
  options.max_in_flight = limits.max_in_flight;
  options.header_read_timeout = std::chrono::seconds(10);
  options.body_read_timeout = std::chrono::seconds(10);
  options.shutdown_grace = std::chrono::seconds(2);
  http_observer_ = std::make_unique<service::HttpMetricsObserver>(metrics_);
  server_ = std::make_unique<http::Server>(options, std::move(router), http_observer_.get());
  scheduler_.start();
  server_->start();  // throws if the port is taken; nothing else runs yet
  started_ = true;
  return true;
}

bool SimulatorServer::stop() {
  if (!started_ || stopped_) return false;
  stopped_ = true;
  scheduler_.stop();
  server_->stop(std::chrono::seconds(2));
  return true;
}

std::uint16_t SimulatorServer::port() const {
  return server_ ? server_->port() : 0;
}

}  // namespace caas::sim
