#include "app/simulator.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace caas::push_sim {

namespace {

std::uint64_t random_salt() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

PushSimulator::PushSimulator(SimulatorConfig config, observability::Logger log, observability::Metrics& metrics)
    : config_(std::move(config)),
      log_(std::move(log)),
      metrics_(metrics),
      state_(MessageBookOptions{config_.max_messages, 1'000'000}, config_.id_salt.value_or(random_salt()), config_.seed,
             metrics),
      scheduler_(config_.max_parked) {
  if (config_.api_tokens.empty()) throw std::invalid_argument("at least one API token is required");
}

PushSimulator::~PushSimulator() {
  stop();
}

void PushSimulator::start() {
  if (started_) return;
  http::Router router;
  add_push_routes(router);
  add_control_routes(router);
  service::add_ops_routes(router, metrics_, readiness_);
  http::ServerOptions options;
  options.address = config_.address;
  options.port = config_.port;
  options.threads = std::max(1u, config_.http_threads);
  options.max_body_bytes = config_.max_body_bytes;
  options.max_header_bytes = 16 * 1024;
  options.max_connections = config_.max_connections;
  // Every held or delayed answer is a request in flight: room for all of
  // them plus the ordinary traffic beside.
  options.max_in_flight = config_.max_parked + 1024;
  options.header_read_timeout = std::chrono::seconds(10);
  options.body_read_timeout = std::chrono::seconds(10);
  options.shutdown_grace = std::chrono::seconds(2);
  http_observer_ = std::make_unique<service::HttpMetricsObserver>(metrics_);
  server_ = std::make_unique<http::Server>(options, std::move(router), http_observer_.get());
  scheduler_.start();
  server_->start();  // throws if the port is taken
  started_ = true;
  log_.info("push gateway simulator started", {{"port", static_cast<std::int64_t>(server_->port())},
                                               {"address", config_.address},
                                               {"hold_ms", config_.hold.count()},
                                               {"max_messages", static_cast<std::int64_t>(config_.max_messages)},
                                               {"seed", static_cast<std::int64_t>(config_.seed)}});
}

void PushSimulator::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  // Held answers first (they keep connections open), then HTTP.
  scheduler_.stop();
  server_->stop(std::chrono::seconds(2));
  log_.info("push gateway simulator stopped");
}

std::uint16_t PushSimulator::port() const {
  return server_ ? server_->port() : 0;
}

}  // namespace caas::push_sim
