#pragma once
// caas-push-sim: a mobile push gateway as a real HTTP server, for the
// notification service's tests and the local demo. It owns
//   - the gateway API: POST /v1/messages (Bearer token, Idempotency-Key,
//     strict JSON), with injected faults (app/push_api.cpp);
//   - the control API (/control/...) tests use to inject faults, mark
//     recipients unregistered and read what was delivered
//     (app/control_api.cpp), and /healthz, /readyz, /metrics.

#include <caas/sim/simulator_server.hpp>
#include "app/state.hpp"

#include <caas/http/server.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace caas::push_sim {

struct SimulatorConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral
  unsigned http_threads = 4;
  std::size_t max_body_bytes = 64 * 1024;  // larger → 413 (the server's)
  std::size_t max_connections = 4096;      // keep-alive clients at once
  std::vector<std::string> api_tokens;     // accepted Bearer tokens; others → 403
  std::chrono::milliseconds hold{60000};   // how long a held answer waits (the client gives up first)
  std::size_t max_parked = 10000;          // held/delayed answers at once; beyond: answered at once
  std::uint64_t seed = 1;                  // fail_rate draws
  std::size_t max_messages = 1'000'000;    // beyond: 507, nothing stored
  std::optional<std::uint64_t> id_salt;    // message ids; random when unset
};

class PushSimulator {
 public:
  /// Throws std::invalid_argument for a bad configuration (no API token).
  PushSimulator(SimulatorConfig config, observability::Logger log, observability::Metrics& metrics);
  ~PushSimulator();
  PushSimulator(const PushSimulator&) = delete;
  PushSimulator& operator=(const PushSimulator&) = delete;

  /// Listens. Throws std::system_error when the address cannot be bound.
  void start();
  /// Sends the held answers, then stops HTTP. Idempotent.
  void stop();
  std::uint16_t port() const;

 private:
  void add_push_routes(http::Router& router);
  void add_control_routes(http::Router& router);
  void send_message(http::Request&& request, http::Responder respond);
  /// Authentication, validation, idempotency, delivery: the answer and its
  /// outcome label (counted by the caller).
  http::Response process(const http::Request& request, std::string& outcome);

  SimulatorConfig config_;
  observability::Logger log_;
  observability::Metrics& metrics_;
  SimState state_;
  sim::SimulatorServer server_;
};

}  // namespace caas::push_sim
