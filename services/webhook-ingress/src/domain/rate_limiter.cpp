#include "domain/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace caas::ingress {

TokenBucket::TokenBucket(double rate, double burst, TimePoint now)
    : rate_(rate), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)), last_(now) {}

std::optional<std::chrono::milliseconds> TokenBucket::try_acquire(TimePoint now) {
  std::lock_guard lock(mutex_);
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  const double wait_s = (1.0 - tokens_) / rate_;
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(wait_s * 1000.0)));
}

long retry_after_seconds(std::chrono::milliseconds wait) {
  const auto s = (wait.count() + 999) / 1000;
  return static_cast<long>(std::max<long long>(1, s));
}

}  // namespace caas::ingress
