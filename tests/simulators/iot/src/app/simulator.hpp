#pragma once
// caas-iot-sim: the API IoT of DESIGN.md §2 as a real HTTP server, for tests
// and the local demo. It owns
//   - the API: POST /api/v1/vehicles/{vin}/configuration, GET …/status,
//     POST …/display-messages (Bearer token, strict JSON), with injected
//     faults (app/iot_api.cpp);
//   - the vehicle clock: a thread applying commands when due, expiring the
//     ones held for offline vehicles, and taking a telemetry reading per
//     vehicle every interval;
//   - the webhook senders: command statuses and telemetry batches, signed
//     the Standard Webhooks way (app/webhook_sender.hpp);
//   - the control API (/control/...) tests use to inject faults and read the
//     fleet's true state (app/control_api.cpp), and /healthz, /readyz, /metrics.

#include "app/state.hpp"
#include "app/webhook_sender.hpp"

#include <caas/http/server.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/sim/simulator_server.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace caas::iot_sim {

struct SimulatorConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral
  unsigned http_threads = 2;
  std::size_t max_body_bytes = 64 * 1024;
  std::vector<std::string> api_tokens;  // accepted Bearer tokens
  std::string telemetry_url;            // "" = readings are taken but not sent
  std::string command_status_url;       // "" = no command-status webhooks
  std::string webhook_secret;           // raw bytes; required with a URL
  std::size_t vehicles = 10;
  std::uint64_t seed = 1;
  std::chrono::milliseconds telemetry_interval{1000};
  std::size_t batch_size = 50;            // readings per webhook (the ingress takes up to 500)
  NetworkOptions network;                 // apply delay, command TTL, bounds
  std::chrono::milliseconds hold{30000};  // how long a "timeout" fault holds the answer
  std::chrono::milliseconds webhook_timeout{2000};
  unsigned webhook_workers = 4;
  std::size_t webhook_queue_capacity = 10000;
  RetryPolicy retry;
  std::optional<std::string> initial_faults;  // a fault document applied at start
};

class IotSimulator {
 public:
  /// Throws std::invalid_argument for a bad configuration (no API token, a
  /// webhook URL without a secret, no vehicle, a bad initial fault document).
  IotSimulator(SimulatorConfig config, observability::Logger log, observability::Metrics& metrics);
  ~IotSimulator();
  IotSimulator(const IotSimulator&) = delete;
  IotSimulator& operator=(const IotSimulator&) = delete;

  /// Listens and starts the vehicle clock and the senders. Throws
  /// std::system_error when the address cannot be bound.
  void start();
  /// Answers held requests, stops HTTP, the clock and the senders. Idempotent.
  void stop();
  std::uint16_t port() const;

 private:
  void add_api_routes(http::Router& router);
  void add_control_routes(http::Router& router);
  void configure(http::Request&& request, http::Responder respond);
  void query_status(http::Request&& request, http::Responder respond);
  void display_message(http::Request&& request, http::Responder respond);
  /// Authentication, rate limit and the API faults of one request. Returns
  /// true when the request goes on to its handler; otherwise it has been
  /// answered (and counted under `route`).
  bool admit(const http::Request& request, const std::string& route, http::Responder& respond,
             std::chrono::milliseconds& latency);
  bool known_vehicle(std::string_view vin);
  /// Sends `response` after `latency`.
  void answer(std::chrono::milliseconds latency, http::Responder respond, http::Response response);

  void run_vehicle_clock();
  /// Turns acks into signed-to-be webhooks (mutex held). True when one was queued.
  bool queue_acks(std::vector<Ack>& acks);
  /// Queues one telemetry interval's readings as batches (mutex held).
  bool queue_readings(const std::vector<OutgoingReading>& readings);
  /// Applies a fault document, then the connectivity it implies (mutex held).
  std::optional<PatchError> apply_faults(const rapidjson::Value& patch, bool& queued);
  void record_outcome(const Webhook& w, const std::string& outcome);  // mutex held
  void wake();                                                        // the clock and the senders

  SimulatorConfig config_;
  observability::Logger log_;
  observability::Metrics& metrics_;
  SimState state_;
  std::unique_ptr<WebhookSender> sender_;  // null when no webhook URL
  sim::SimulatorServer server_;

  std::mutex clock_mutex_;
  std::condition_variable clock_cv_;
  bool clock_stopping_ = false;
  bool clock_woken_ = false;
  std::thread clock_;
};

}  // namespace caas::iot_sim
