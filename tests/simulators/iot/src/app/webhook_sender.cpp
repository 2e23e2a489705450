#include "app/webhook_sender.hpp"

#include <caas/security/webhook_signature.hpp>

namespace caas::iot_sim {

WebhookSender::WebhookSender(SimState& state, SenderOptions options, observability::Logger log, Settled settled)
    : state_(state),
      options_(std::move(options)),
      log_(log.with({{"component", "webhook-sender"}})),
      settled_(std::move(settled)),
      client_(sim::webhook_client_options(options_.timeout, "caas-iot-sim")) {}

void WebhookSender::start() {
  workers_.start(options_.workers, [this] { run(); });
}

void WebhookSender::stop() {
  workers_.stop();
}

void WebhookSender::run() {
  std::unique_lock lock(state_.mutex);
  while (!workers_.stopping()) {
    auto w = state_.queue.take(std::chrono::steady_clock::now());
    if (!w) {
      workers_.wait(lock, state_.queue.next_ready());
      continue;
    }
    if (w->attempts > 0) ++state_.webhook_stats(w->stream).retries;
    ++w->attempts;
    state_.update_gauges();
    lock.unlock();
    const auto result = attempt(*w);
    lock.lock();
    settle(std::move(*w), result);
    // Another worker may now take this key's next webhook.
    workers_.notify();
  }
}

sim::AttemptResult WebhookSender::attempt(const Webhook& w) {
  const std::string& url = w.stream == Stream::telemetry ? options_.telemetry_url : options_.command_status_url;
  const auto timestamp =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  http::ClientRequest request{"POST", url, {}, w.body};
  request.headers.set("Content-Type", "application/json");
  request.headers.set("webhook-id", w.webhook_id);
  request.headers.set("webhook-timestamp", std::to_string(timestamp));
  request.headers.set("webhook-signature",
                      security::sign_standard_webhook(w.webhook_id, timestamp, w.body, options_.secret));
  auto r = client_.request(request, options_.timeout);
  if (!r) {
    log_.debug("webhook attempt failed", {{"stream", std::string(to_string(w.stream))},
                                          {"webhook_id", w.webhook_id},
                                          {"attempt", w.attempts},
                                          {"error", r.error().message}});
  }
  return sim::classify_attempt(r);
}

void WebhookSender::settle(Webhook w, const AttemptResult& result) {
  state_.count_attempt(w.stream, result.label);
  const auto verdict = judge(result.status, result.retry_after, w.attempts, options_.retry);
  const std::string stream(to_string(w.stream));
  switch (verdict.verdict) {
    case Verdict::delivered:
      state_.queue.complete(w.key);
      state_.count_webhook(w.stream, "delivered");
      settled_(w, "delivered");
      log_.debug("webhook delivered", {{"stream", stream}, {"webhook_id", w.webhook_id}, {"attempts", w.attempts}});
      break;
    case Verdict::give_up:
      state_.queue.complete(w.key);
      state_.count_webhook(w.stream, "failed");
      settled_(w, "failed");
      log_.warn(
          "webhook given up",
          {{"stream", stream}, {"webhook_id", w.webhook_id}, {"attempts", w.attempts}, {"reason", verdict.reason}});
      break;
    case Verdict::retry:
      log_.info("webhook retry scheduled", {{"stream", stream},
                                            {"webhook_id", w.webhook_id},
                                            {"attempt", w.attempts},
                                            {"reason", verdict.reason},
                                            {"delay_ms", verdict.delay.count()}});
      settled_(w, "pending");
      state_.queue.retry(std::move(w), std::chrono::steady_clock::now() + verdict.delay);
      break;
  }
  state_.update_gauges();
}

}  // namespace caas::iot_sim
