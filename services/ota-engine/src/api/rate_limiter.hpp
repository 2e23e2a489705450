#pragma once
// Token buckets per key (VIN, caller) for the purchase routes: `per_minute`
// requests a minute, a burst of the same size. Bounded: past `max_keys` the
// fullest buckets are forgotten (a forgotten bucket is a full one anyway).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace caas::ota {

class RateLimiter {
 public:
  explicit RateLimiter(std::int64_t per_minute, std::size_t max_keys = 100000)
      : per_minute_(per_minute), max_keys_(max_keys) {}
  /// nullopt when allowed (a token taken); otherwise the seconds until one is available.
  std::optional<std::int64_t> take(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at{};
  };
  std::int64_t per_minute_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace caas::ota
