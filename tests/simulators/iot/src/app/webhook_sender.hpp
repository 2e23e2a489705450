#pragma once
// Sends the queued webhooks like the real API IoT: signed the Standard
// Webhooks way (webhook-id, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>"; a fresh timestamp and
// signature per attempt, the same id and body), one webhook per key in
// flight so each stream stays in order, every attempt bounded by a timeout,
// retried with backoff (domain/outbox.hpp). A few workers share the queue so
// a slow receiver of one stream does not hold back the other.

#include "app/state.hpp"

#include <caas/http/client.hpp>
#include <caas/observability/logger.hpp>
#include <caas/sim/webhook_attempt.hpp>
#include <caas/sim/worker_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace caas::iot_sim {

struct SenderOptions {
  std::string telemetry_url;       // POST target of Stream::telemetry
  std::string command_status_url;  // POST target of Stream::command_status
  std::string secret;              // HMAC key (raw bytes)
  std::chrono::milliseconds timeout{2000};
  unsigned workers = 4;
  RetryPolicy retry;
};

class WebhookSender {
 public:
  /// `settled` runs with the state mutex held after every attempt, with the
  /// webhook's outcome so far ("delivered", "failed" = given up, "pending" =
  /// retry scheduled), so the simulator records it where it belongs.
  using Settled = std::function<void(const Webhook&, const std::string& outcome)>;

  WebhookSender(SimState& state, SenderOptions options, observability::Logger log, Settled settled);
  ~WebhookSender() { stop(); }
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void start();
  /// Stops after the attempts in progress (each bounded by the timeout);
  /// webhooks still queued are abandoned (the partner's own restart).
  void stop();
  /// New webhooks were queued (call without holding the state mutex).
  void notify() { workers_.notify(); }

 private:
  using AttemptResult = sim::AttemptResult;
  void run();
  AttemptResult attempt(const Webhook& w);
  void settle(Webhook w, const AttemptResult& result);  // with the state mutex held

  SimState& state_;
  SenderOptions options_;
  observability::Logger log_;
  Settled settled_;
  http::HttpClient client_;
  sim::WorkerPool workers_{state_.mutex};
};

}  // namespace caas::iot_sim
