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
      server_(metrics, config_.max_parked) {
  if (config_.api_tokens.empty()) throw std::invalid_argument("at least one API token is required");
}

PushSimulator::~PushSimulator() {
  stop();
}

void PushSimulator::start() {
  if (server_.started()) return;
  http::Router router;
  add_push_routes(router);
  add_control_routes(router);
  // Every held or delayed answer is a request in flight: room for all of
  // them plus the ordinary traffic beside.
  server_.start(std::move(router), {config_.address, config_.port, config_.http_threads, config_.max_body_bytes,
                                    config_.max_connections, config_.max_parked + 1024});
  log_.info("push gateway simulator started", {{"port", static_cast<std::int64_t>(server_.port())},
                                               {"address", config_.address},
                                               {"hold_ms", config_.hold.count()},
                                               {"max_messages", static_cast<std::int64_t>(config_.max_messages)},
                                               {"seed", static_cast<std::int64_t>(config_.seed)}});
}

void PushSimulator::stop() {
  if (!server_.stop()) return;
  log_.info("push gateway simulator stopped");
}

std::uint16_t PushSimulator::port() const {
  return server_.port();
}

}  // namespace caas::push_sim
