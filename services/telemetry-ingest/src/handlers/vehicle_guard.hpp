#pragma once
// Serialises the two writers of a vehicle record: the reading handler (on
// the processor's thread) and the deadline sweeper (its own thread). The
// store gives no isolation between concurrent writers, and the processor
// commits the handler's batch only after the handler returned, so the
// handler marks its vehicle busy from before its read until the commit is
// done (EventProcessorOptions::on_applied_committed); the sweeper, holding
// the same mutex through its own read-decide-commit, skips a busy vehicle
// (it is due again on the next sweep). A handler call that ends without a
// commit (a retry, a dead letter) leaves the mark until the next record:
// that only delays the sweeper for that vehicle.

#include <mutex>
#include <string>
#include <string_view>

namespace caas::telemetry {

class VehicleGuard {
 public:
  void begin(std::string_view vin) {
    std::lock_guard lock(mutex_);
    busy_.assign(vin);
  }
  void end() {
    std::lock_guard lock(mutex_);
    busy_.clear();
  }
  /// Runs `fn` under the mutex unless `vin` is busy; false if skipped.
  template <class Fn>
  bool with_idle(std::string_view vin, Fn&& fn) {
    std::lock_guard lock(mutex_);
    if (busy_ == vin) return false;
    fn();
    return true;
  }

 private:
  std::mutex mutex_;
  std::string busy_;
};

}  // namespace caas::telemetry
