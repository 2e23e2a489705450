#pragma once
// Token bucket per source. Time is passed in (no clock inside), so tests
// drive it with fabricated instants. Thread-safe: HTTP threads share it.

#include <chrono>
#include <mutex>
#include <optional>

namespace caas::ingress {

class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// `rate` tokens per second, at most `burst` stored; starts full.
  TokenBucket(double rate, double burst, TimePoint now);

  /// Takes one token. nullopt = allowed; otherwise how long until a token is
  /// available (for Retry-After).
  std::optional<std::chrono::milliseconds> try_acquire(TimePoint now);

  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  std::mutex mutex_;
  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

/// Whole seconds for a Retry-After header: at least 1, rounded up.
long retry_after_seconds(std::chrono::milliseconds wait);

}  // namespace caas::ingress
