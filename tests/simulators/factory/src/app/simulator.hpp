#pragma once
// caas-factory-sim: the Factory Order API of seed 000 as a real HTTP server,
// for tests and the local demo. It owns
//   - the Factory API: POST /api/v1/orders, GET /api/v1/orders/{id}/status
//     (Bearer token, strict JSON, Idempotency-Key), with injected faults;
//   - the production line: a ticker moving every order one stage per
//     stage interval, each change queued as a signed webhook;
//   - the webhook senders (app/webhook_sender.hpp);
//   - the control API (/control/...) tests use to inject faults and to read
//     what the Factory holds, and /healthz, /readyz, /metrics.

#include <caas/sim/simulator_server.hpp>
#include "app/state.hpp"
#include "app/webhook_sender.hpp"

#include <caas/http/server.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace caas::factory_sim {

struct SimulatorConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral
  unsigned http_threads = 2;
  std::size_t max_body_bytes = 64 * 1024;
  std::vector<std::string> api_tokens;        // may place orders and read status
  std::vector<std::string> read_only_tokens;  // may read status; placing → 403
  std::string webhook_url;                    // "" = no webhooks are sent
  std::string webhook_secret;
  std::chrono::milliseconds stage_interval{200};
  std::chrono::milliseconds webhook_timeout{2000};
  unsigned webhook_workers = 4;
  std::size_t webhook_queue_capacity = 100000;
  RetryOptions retry;                     // max 5 attempts, base = --retry-base
  std::chrono::milliseconds hold{30000};  // how long a "timeout" fault holds the answer
  std::uint64_t seed = 1;
  std::size_t max_orders = 100000;
  Catalogue catalogue = Catalogue::defaults();
  std::optional<std::string> initial_faults;  // a fault patch applied at start
};

class FactorySimulator {
 public:
  /// Throws std::invalid_argument for a bad configuration (no API token,
  /// webhooks without a secret, a bad initial fault document).
  FactorySimulator(SimulatorConfig config, observability::Logger log, observability::Metrics& metrics);
  ~FactorySimulator();
  FactorySimulator(const FactorySimulator&) = delete;
  FactorySimulator& operator=(const FactorySimulator&) = delete;

  /// Listens and starts the production line and the senders. Throws
  /// std::system_error when the address cannot be bound.
  void start();
  /// Answers held requests, stops HTTP, the line and the senders. Idempotent.
  void stop();
  std::uint16_t port() const;

 private:
  void add_factory_routes(http::Router& router);
  void add_control_routes(http::Router& router);
  void place_order(http::Request&& request, http::Responder respond);
  void query_status(http::Request&& request, http::Responder respond);
  /// Placement after the faults: validation, idempotency, creation.
  http::Response process_placement(const http::Request& request, const std::string& key, std::string& outcome);
  /// The answer after `decision`'s latency, or held like a timeout.
  void answer(const EndpointDecision& decision, http::Responder respond, http::Response response);

  void run_production_line();
  /// Queues the webhook of `entry` with the webhook faults drawn (mutex held).
  /// Returns true when something was queued.
  bool schedule_webhook(Order& order, const HistoryEntry& entry);

  SimulatorConfig config_;
  observability::Logger log_;
  observability::Metrics& metrics_;
  SimState state_;
  std::unique_ptr<WebhookSender> sender_;  // null when no webhook URL
  sim::SimulatorServer server_;

  std::mutex line_mutex_;
  std::condition_variable line_cv_;
  bool line_stopping_ = false;
  std::thread line_;
};

}  // namespace caas::factory_sim
