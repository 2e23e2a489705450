#pragma once
// The HTTP side every simulator has, around the routes of its own API and
// control API: /healthz /readyz /metrics, request metrics, the limits of a
// test partner, and the scheduler of delayed and held answers, which it
// starts before listening and stops before HTTP (held answers keep
// connections open, so they are sent first).

#include "caas/sim/response_scheduler.hpp"

#include <caas/http/server.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/ops_http.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace caas::sim {

class SimulatorServer {
 public:
  /// What differs between simulators; every other server option is shared.
  struct Limits {
    std::string address;
    std::uint16_t port = 0;  // 0 = ephemeral
    unsigned http_threads = 1;
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_connections = 1024;
    std::size_t max_in_flight = 1024;
  };

  /// At most `max_parked_answers` delayed or held answers at once (beyond:
  /// answered at once).
  explicit SimulatorServer(observability::Metrics& metrics, std::size_t max_parked_answers = 10000);
  ~SimulatorServer();
  SimulatorServer(const SimulatorServer&) = delete;
  SimulatorServer& operator=(const SimulatorServer&) = delete;

  /// Adds the ops routes to `router` and listens. Throws std::system_error
  /// when the address cannot be bound. Returns false (and does nothing) when
  /// already started.
  bool start(http::Router router, const Limits& limits);
  /// Sends the parked answers, then stops HTTP (2 s grace). Returns false (and
  /// does nothing) when not running: never started or already stopped.
  bool stop();
  bool started() const { return started_; }
  /// The bound port, 0 before start().
  std::uint16_t port() const;

  ResponseScheduler& scheduler() { return scheduler_; }

 private:
  observability::Metrics& metrics_;
  ResponseScheduler scheduler_;
  service::Readiness readiness_;
  std::unique_ptr<service::HttpMetricsObserver> http_observer_;
  std::unique_ptr<http::Server> server_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace caas::sim
