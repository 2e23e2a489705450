#pragma once
// Holds a service's actors back until its state has been rebuilt from its
// own event log (DESIGN.md §5: a store started empty or lost must replay to
// the same state before anyone acts on it).
//
// Consumers and workers register their start here; the processor of the
// service's own log calls open() when it has read every partition to its end
// (EventProcessorOptions::on_caught_up). As nothing else writes to that log
// before the gate opens (single-replica services), that end is the end as of
// start-up. close() (shutdown) guarantees nothing starts afterwards; an open()
// in progress finishes first, so whatever it started is stopped by the caller
// of close(). Used by factory-adapter and notification.

#include <caas/observability/logger.hpp>

#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace caas::service {

class StartGate {
 public:
  /// `what_opened` is logged when the gate opens ("state rebuilt from ...").
  StartGate(observability::Logger log, std::string what_opened)
      : log_(std::move(log)), what_opened_(std::move(what_opened)) {}

  /// Registers a start action (before the gate can open).
  void on_open(std::function<void()> action) {
    std::lock_guard lock(mutex_);
    actions_.push_back(std::move(action));
  }

  /// Runs the actions once; later calls (a caught-up after a rebalance) do
  /// nothing, also after a failed start (never start anything twice).
  /// Called on the projection's consumer thread.
  void open() {
    std::lock_guard lock(mutex_);
    if (attempted_ || closed_) return;
    attempted_ = true;
    try {
      for (auto& action : actions_) action();
    } catch (const std::exception& e) {
      // Readiness stays false: an operator sees a service that never became ready.
      log_.error("cannot start after the state was rebuilt", {{"error_details", e.what()}});
      return;
    }
    open_ = true;
    log_.info(what_opened_);
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }

  bool is_open() const { return open_.load(); }

 private:
  observability::Logger log_;
  std::string what_opened_;
  std::mutex mutex_;
  std::vector<std::function<void()>> actions_;
  bool attempted_ = false;
  bool closed_ = false;
  std::atomic<bool> open_{false};
};

}  // namespace caas::service
