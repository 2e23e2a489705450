#include "app/webhook_sender.hpp"

#include <caas/security/webhook_signature.hpp>

namespace caas::factory_sim {

namespace {

WebhookRecord* find_record(Order& order, std::uint64_t delivery_id) {
  for (auto& r : order.webhooks) {
    if (r.delivery_id == delivery_id) return &r;
  }
  return nullptr;
}

}  // namespace

WebhookSender::WebhookSender(SimState& state, SenderOptions options, observability::Logger log)
    : state_(state),
      options_(std::move(options)),
      log_(log.with({{"component", "webhook-sender"}})),
      client_(sim::webhook_client_options(options_.timeout, "caas-factory-sim")) {}

void WebhookSender::start() {
  workers_.start(options_.workers, [this] { run(); });
}

void WebhookSender::stop() {
  workers_.stop();
}

void WebhookSender::run() {
  std::unique_lock lock(state_.mutex);
  while (!workers_.stopping()) {
    auto d = state_.queue.take(std::chrono::steady_clock::now());
    if (!d) {
      workers_.wait(lock, state_.queue.next_ready());
      continue;
    }
    const bool down = state_.faults.webhooks.down;
    if (d->attempts == 0) ++state_.stats.webhooks.sent;
    if (d->attempts > 0) ++state_.stats.webhooks.retries;
    ++d->attempts;
    state_.update_queue_gauge();
    lock.unlock();
    const auto result = attempt(*d, down);
    lock.lock();
    settle(std::move(*d), result);
    // Another worker may now take this order's next webhook.
    workers_.notify();
  }
}

sim::AttemptResult WebhookSender::attempt(const Delivery& d, bool down) {
  if (down) return {std::nullopt, std::nullopt, "down"};
  http::ClientRequest request{"POST", options_.url, {}, d.body};
  request.headers.set("Content-Type", "application/json");
  request.headers.set("X-Factory-Signature", security::sign_factory(d.body, options_.secret));
  auto r = client_.request(request, options_.timeout);
  if (!r) {
    log_.debug("webhook attempt failed", {{"order_id", d.order_id},
                                          {"status", std::string(to_string(d.status))},
                                          {"attempt", d.attempts},
                                          {"error", r.error().message}});
  }
  return sim::classify_attempt(r);
}

void WebhookSender::settle(Delivery d, const AttemptResult& result) {
  state_.count_attempt(result.label);
  const auto verdict = judge_attempt(result.status, result.retry_after, d.attempts, options_.retry);
  Order* order = state_.book.find_mutable(d.order_id);
  WebhookRecord* record = order != nullptr ? find_record(*order, d.id) : nullptr;
  if (record != nullptr) {
    record->attempts = d.attempts;
    record->last_http_status = result.status.value_or(0);
  }
  const std::string status(to_string(d.status));
  switch (verdict.verdict) {
    case Verdict::delivered:
      state_.queue.complete(d.order_id);
      state_.count_webhook("delivered", state_.stats.webhooks.delivered);
      if (record != nullptr) record->outcome = "delivered";
      log_.debug("webhook delivered", {{"order_id", d.order_id}, {"status", status}, {"attempts", d.attempts}});
      break;
    case Verdict::give_up:
      state_.queue.complete(d.order_id);
      state_.count_webhook("failed", state_.stats.webhooks.failed);
      if (record != nullptr) record->outcome = "failed";
      log_.warn("webhook given up",
                {{"order_id", d.order_id}, {"status", status}, {"attempts", d.attempts}, {"reason", verdict.reason}});
      break;
    case Verdict::retry:
      log_.info("webhook retry scheduled", {{"order_id", d.order_id},
                                            {"status", status},
                                            {"attempt", d.attempts},
                                            {"reason", verdict.reason},
                                            {"delay_ms", verdict.delay.count()}});
      state_.queue.retry(std::move(d), std::chrono::steady_clock::now() + verdict.delay);
      break;
  }
  state_.update_queue_gauge();
}

}  // namespace caas::factory_sim
