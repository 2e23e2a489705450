#include "domain/delivery.hpp"

#include <algorithm>

namespace caas::factory_sim {

std::chrono::milliseconds backoff_delay(int attempts_made, std::chrono::milliseconds base) {
  const int shift = std::clamp(attempts_made - 1, 0, 20);
  return base * (std::int64_t{1} << shift);
}

AttemptVerdict judge_attempt(std::optional<int> http_status, std::optional<std::chrono::milliseconds> retry_after,
                             int attempts_made, const RetryOptions& options) {
  const std::string what = http_status ? std::to_string(*http_status) : std::string("network error");
  if (http_status && *http_status >= 200 && *http_status < 300) return {Verdict::delivered, {}, what};
  const bool retriable =
      !http_status || *http_status == 404 || *http_status == 408 || *http_status == 429 || *http_status >= 500;
  if (!retriable) return {Verdict::give_up, {}, what + " (not retriable)"};
  if (attempts_made >= options.max_attempts) return {Verdict::give_up, {}, what + " (retries exhausted)"};
  auto delay = backoff_delay(attempts_made, options.base);
  if (retry_after) delay = std::max(delay, std::min(*retry_after, options.retry_after_cap));
  return {Verdict::retry, delay, what};
}

bool DeliveryQueue::push(Delivery d) {
  if (size_ >= capacity_) return false;
  auto& q = queues_[d.order_id];
  // Reorder fault: the newest waiting delivery of this order asked to go
  // after its successor (a delivery being sent is no longer in the queue).
  if (!q.empty() && q.back().hold_for_next) {
    Delivery held = std::move(q.back());
    q.pop_back();
    held.hold_for_next = false;
    d.ready_at = std::min(d.ready_at, held.ready_at);
    q.push_back(std::move(d));
    q.push_back(std::move(held));
  } else {
    q.push_back(std::move(d));
  }
  ++size_;
  return true;
}

std::optional<Delivery> DeliveryQueue::take(SteadyTime now) {
  auto best = queues_.end();
  for (auto it = queues_.begin(); it != queues_.end(); ++it) {
    if (it->second.empty() || in_flight_.count(it->first) > 0) continue;
    if (due(it->second.front()) > now) continue;
    if (best == queues_.end() || due(it->second.front()) < due(best->second.front())) best = it;
  }
  if (best == queues_.end()) return std::nullopt;
  Delivery d = std::move(best->second.front());
  best->second.pop_front();
  d.hold_for_next = false;
  --size_;
  in_flight_.insert(best->first);
  if (best->second.empty()) queues_.erase(best);
  return d;
}

void DeliveryQueue::complete(const std::string& order_id) {
  in_flight_.erase(order_id);
}

void DeliveryQueue::retry(Delivery d, SteadyTime ready_at) {
  if (in_flight_.erase(d.order_id) == 0) return;  // cleared meanwhile
  d.ready_at = ready_at;
  queues_[d.order_id].push_front(std::move(d));
  ++size_;
}

std::optional<SteadyTime> DeliveryQueue::next_ready() const {
  std::optional<SteadyTime> next;
  for (const auto& [order_id, q] : queues_) {
    if (q.empty() || in_flight_.count(order_id) > 0) continue;
    if (!next || due(q.front()) < *next) next = due(q.front());
  }
  return next;
}

bool DeliveryQueue::holding(const std::string& order_id) const {
  auto it = queues_.find(order_id);
  return it != queues_.end() && !it->second.empty() && it->second.back().hold_for_next;
}

void DeliveryQueue::clear() {
  queues_.clear();
  in_flight_.clear();
  size_ = 0;
}

}  // namespace caas::factory_sim
