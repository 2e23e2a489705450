#include "api/rate_limiter.hpp"

#include <cmath>

namespace caas::ota {

std::optional<std::int64_t> RateLimiter::take(const std::string& key, std::chrono::steady_clock::time_point now) {
  if (per_minute_ <= 0) return std::nullopt;
  const double capacity = static_cast<double>(per_minute_);
  const double per_second = capacity / 60.0;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        const double elapsed = std::chrono::duration<double>(now - b->second.at).count();
        b = b->second.tokens + elapsed * per_second >= capacity ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= max_keys_) buckets_.clear();
    }
    it = buckets_.emplace(key, Bucket{capacity, now}).first;
  }
  auto& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  b.tokens = std::min(capacity, b.tokens + elapsed * per_second);
  b.at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_second)));
}

}  // namespace caas::ota
