#include "app/webhook_sender.hpp"

#include <caas/resilience/retry.hpp>
#include <caas/security/webhook_signature.hpp>

namespace caas::factory_sim {

namespace {

WebhookRecord* find_record(Order& order, std::uint64_t delivery_id) {
  for (auto& r : order.webhooks) {
    if (r.delivery_id == delivery_id) return &r;
  }
  return nullptr;
}

http::ClientOptions client_options(std::chrono::milliseconds timeout) {
  http::ClientOptions o;
  o.connect_timeout = timeout;
  o.request_timeout = timeout;
  // Pooled connections are dropped well before a server's idle timeout: a
  // POST on a connection the server already closed is not retried by the
  // client (it counts as a failed attempt and is retried here).
  o.max_idle_time = std::chrono::seconds(5);
  o.user_agent = "caas-factory-sim";
  return o;
}

}  // namespace

WebhookSender::WebhookSender(SimState& state, SenderOptions options, observability::Logger log)
    : state_(state),
      options_(std::move(options)),
      log_(log.with({{"component", "webhook-sender"}})),
      client_(client_options(options_.timeout)) {}

void WebhookSender::start() {
  for (unsigned i = 0; i < std::max(1u, options_.workers); ++i) workers_.emplace_back([this] { run(); });
}

void WebhookSender::stop() {
  {
    std::lock_guard lock(state_.mutex);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void WebhookSender::run() {
  std::unique_lock lock(state_.mutex);
  while (!stopping_) {
    auto d = state_.queue.take(std::chrono::steady_clock::now());
    if (!d) {
      if (auto next = state_.queue.next_ready()) {
        cv_.wait_until(lock, *next);
      } else {
        cv_.wait(lock);
      }
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
    cv_.notify_all();
  }
}

WebhookSender::AttemptResult WebhookSender::attempt(const Delivery& d, bool down) {
  if (down) return {std::nullopt, std::nullopt, "down"};
  http::ClientRequest request{"POST", options_.url, {}, d.body};
  request.headers.set("Content-Type", "application/json");
  request.headers.set("X-Factory-Signature", security::sign_factory(d.body, options_.secret));
  auto r = client_.request(request, options_.timeout);
  if (!r) {
    const bool timeout = r.error().code == http::ClientErrc::timeout;
    log_.debug("webhook attempt failed", {{"order_id", d.order_id},
                                          {"status", std::string(to_string(d.status))},
                                          {"attempt", d.attempts},
                                          {"error", r.error().message}});
    return {std::nullopt, std::nullopt, timeout ? "timeout" : "network_error"};
  }
  std::optional<std::chrono::milliseconds> retry_after;
  if (auto h = r->headers.get("Retry-After")) retry_after = resilience::parse_retry_after(*h);
  return {r->status, retry_after, std::to_string(r->status)};
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
