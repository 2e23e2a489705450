#pragma once
// Waits (without blocking an HTTP thread) for the outcome of a command the
// API wrote to caas.order.commands.v1: the partition owner — or this
// replica's read model — writes out/<command id> when it applies or refuses
// it. One thread re-checks the pending ids every `poll_interval` (the store
// offers no change notification for a key) and completes each waiter when
// its outcome appears or its deadline passes. Bounded: beyond `max_pending`
// waiters a caller is told at once (and answers 202).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace caas::order {

class OutcomeWaiter {
 public:
  using Lookup = std::function<std::optional<std::string>(const std::string& command_id)>;
  using Done = std::function<void(std::optional<std::string> outcome)>;  // nullopt = deadline passed

  OutcomeWaiter(Lookup lookup, std::chrono::milliseconds poll_interval, std::size_t max_pending);
  ~OutcomeWaiter();
  OutcomeWaiter(const OutcomeWaiter&) = delete;
  OutcomeWaiter& operator=(const OutcomeWaiter&) = delete;

  /// False (and `done` not kept) when too many waiters are pending or stopped.
  bool wait(const std::string& command_id, std::chrono::steady_clock::time_point deadline, Done done);
  /// Completes every pending waiter with nullopt and joins the thread.
  void stop();

 private:
  struct Pending {
    std::chrono::steady_clock::time_point deadline;
    Done done;
  };
  void run();

  Lookup lookup_;
  std::chrono::milliseconds poll_interval_;
  std::size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::multimap<std::string, Pending> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace caas::order
