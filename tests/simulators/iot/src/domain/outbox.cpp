#include "domain/outbox.hpp"

#include <caas/security/crypto.hpp>

#include <algorithm>

namespace caas::iot_sim {

std::string_view to_string(Stream s) {
  return s == Stream::telemetry ? "telemetry" : "command_status";
}

std::string webhook_id_for(std::string_view body) {
  return "msg_" + security::hex_encode(security::to_bytes(security::sha256(body))).substr(0, 32);
}

AttemptVerdict judge(std::optional<int> http_status, std::optional<std::chrono::milliseconds> retry_after,
                     int attempts_made, const RetryPolicy& policy) {
  const std::string what = http_status ? std::to_string(*http_status) : std::string("no answer");
  if (http_status && *http_status >= 200 && *http_status < 300) return {Verdict::delivered, {}, what};
  const bool transient =
      !http_status || *http_status == 408 || *http_status == 409 || *http_status == 429 || *http_status >= 500;
  if (!transient) return {Verdict::give_up, {}, what + " (permanent)"};
  if (attempts_made >= policy.max_attempts) return {Verdict::give_up, {}, what + " (attempts exhausted)"};
  const int doublings = std::clamp(attempts_made - 1, 0, 20);
  auto delay = std::min(policy.base * (std::int64_t{1} << doublings), policy.max_delay);
  if (retry_after) delay = std::max(delay, std::min(*retry_after, policy.retry_after_cap));
  return {Verdict::retry, delay, what};
}

bool WebhookQueue::push(Webhook w) {
  if (waiting_ >= capacity_) return false;
  lanes_[w.key].push_back(std::move(w));
  ++waiting_;
  return true;
}

std::optional<Webhook> WebhookQueue::take(SteadyTime now) {
  auto chosen = lanes_.end();
  for (auto it = lanes_.begin(); it != lanes_.end(); ++it) {
    const bool free = busy_.find(it->first) == busy_.end();
    if (!free || it->second.front().ready_at > now) continue;
    if (chosen == lanes_.end() || it->second.front().ready_at < chosen->second.front().ready_at) chosen = it;
  }
  if (chosen == lanes_.end()) return std::nullopt;
  Webhook w = std::move(chosen->second.front());
  chosen->second.pop_front();
  busy_.insert(chosen->first);
  if (chosen->second.empty()) lanes_.erase(chosen);
  --waiting_;
  return w;
}

void WebhookQueue::complete(const std::string& key) {
  busy_.erase(key);
}

void WebhookQueue::retry(Webhook w, SteadyTime ready_at) {
  if (busy_.erase(w.key) == 0) return;  // cleared meanwhile
  w.ready_at = ready_at;
  lanes_[w.key].push_front(std::move(w));
  ++waiting_;
}

std::optional<SteadyTime> WebhookQueue::next_ready() const {
  std::optional<SteadyTime> next;
  for (const auto& [key, lane] : lanes_) {
    if (busy_.count(key) > 0) continue;
    next = next ? std::min(*next, lane.front().ready_at) : lane.front().ready_at;
  }
  return next;
}

void WebhookQueue::count_waiting(std::size_t& telemetry, std::size_t& command_status) const {
  telemetry = command_status = 0;
  for (const auto& [key, lane] : lanes_) {
    for (const auto& w : lane) (w.stream == Stream::telemetry ? telemetry : command_status) += 1;
  }
}

void WebhookQueue::clear() {
  lanes_.clear();
  busy_.clear();
  waiting_ = 0;
}

}  // namespace caas::iot_sim
