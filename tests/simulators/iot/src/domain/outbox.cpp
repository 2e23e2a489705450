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

void WebhookQueue::index_head(const std::string& key) {
  auto it = lanes_.find(key);
  if (it != lanes_.end() && !it->second.empty() && busy_.count(key) == 0) {
    heads_.emplace(it->second.front().ready_at, key);
  }
}

bool WebhookQueue::push(Webhook w) {
  if (waiting_ >= capacity_) return false;
  auto& lane = lanes_[w.key];
  const bool new_head = lane.empty();
  const std::string key = w.key;
  lane.push_back(std::move(w));
  ++waiting_;
  if (new_head) index_head(key);
  return true;
}

std::optional<Webhook> WebhookQueue::take(SteadyTime now) {
  if (heads_.empty() || heads_.begin()->first > now) return std::nullopt;
  const std::string key = heads_.begin()->second;
  heads_.erase(heads_.begin());
  auto lane = lanes_.find(key);
  Webhook w = std::move(lane->second.front());
  lane->second.pop_front();
  if (lane->second.empty()) lanes_.erase(lane);
  busy_.insert(key);
  --waiting_;
  return w;
}

void WebhookQueue::complete(const std::string& key) {
  if (busy_.erase(key) > 0) index_head(key);
}

void WebhookQueue::retry(Webhook w, SteadyTime ready_at) {
  if (busy_.erase(w.key) == 0) return;  // cleared meanwhile
  const std::string key = w.key;
  auto& lane = lanes_[key];
  w.ready_at = ready_at;
  lane.push_front(std::move(w));
  ++waiting_;
  index_head(key);
}

std::optional<SteadyTime> WebhookQueue::next_ready() const {
  if (heads_.empty()) return std::nullopt;
  return heads_.begin()->first;
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
  heads_.clear();
  waiting_ = 0;
}

}  // namespace caas::iot_sim
