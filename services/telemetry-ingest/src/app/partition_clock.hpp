#pragma once
// The per-partition "heard" marks of domain/silence_clock.hpp, written by the
// reading handler once a reading is committed, read by the sweeper.
// In memory: after a restart the sweeper waits until the backlog is applied,
// which sets them again.

#include "domain/silence_clock.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace caas::telemetry {

class PartitionClock {
 public:
  void heard(std::int32_t partition, std::int64_t received_ms, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto& h = heard_[partition];
    if (received_ms < h.received_ms) return;  // receipt times of two ingress replicas may cross
    h = {received_ms, now_ms};
  }
  std::int64_t now_for(std::int32_t partition, std::int64_t now_ms) const {
    std::lock_guard lock(mutex_);
    auto it = heard_.find(partition);
    return silence_clock(it == heard_.end() ? std::nullopt : std::optional(it->second), now_ms);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::int32_t, PartitionHeard> heard_;
};

}  // namespace caas::telemetry
