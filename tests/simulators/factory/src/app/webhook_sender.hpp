#pragma once
// Sends the queued status webhooks like the real Factory: signed
// (X-Factory-Signature = lowercase hex HMAC-SHA256 of the raw body), one
// delivery in flight per order so an order's webhooks arrive in order, every
// attempt bounded by a timeout, retried on network errors / 404 / 408 / 429 /
// 5xx with exponential backoff (domain/delivery.hpp), given up on any other
// status. A few worker threads share the queue so one slow order does not
// hold back the others.

#include "app/state.hpp"

#include <caas/http/client.hpp>
#include <caas/observability/logger.hpp>
#include <caas/sim/webhook_attempt.hpp>
#include <caas/sim/worker_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <string>
#include <thread>
#include <vector>

namespace caas::factory_sim {

struct SenderOptions {
  std::string url;     // POST target, e.g. http://127.0.0.1:8080/api/v1/webhooks/factory/status
  std::string secret;  // HMAC key (raw bytes)
  std::chrono::milliseconds timeout{2000};
  unsigned workers = 4;
  RetryOptions retry;
};

class WebhookSender {
 public:
  WebhookSender(SimState& state, SenderOptions options, observability::Logger log);
  ~WebhookSender() { stop(); }
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void start();
  /// Stops after the attempts in progress (each bounded by the timeout).
  /// Deliveries still queued are abandoned (the Factory's own restart).
  void stop();
  /// New deliveries were queued (call without holding the state mutex).
  void notify() { workers_.notify(); }

 private:
  using AttemptResult = sim::AttemptResult;  // "down" is one more label
  void run();
  AttemptResult attempt(const Delivery& d, bool down);
  void settle(Delivery d, const AttemptResult& result);  // with the state mutex held

  SimState& state_;
  SenderOptions options_;
  observability::Logger log_;
  http::HttpClient client_;
  sim::WorkerPool workers_{state_.mutex};
};

}  // namespace caas::factory_sim
