#pragma once
// The webhook sender threads of a simulator. They share the simulator's
// state mutex (the queue they take from lives under it), so they wait on a
// condition variable over that mutex, and stop() raises the flag under it:
// a worker between its check and its wait cannot miss the wake-up.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace caas::sim {

class WorkerPool {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkerPool(std::mutex& mutex) : mutex_(mutex) {}
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// `n` (at least one) threads running `body`, which loops until stopping().
  void start(unsigned n, const std::function<void()>& body) {
    for (unsigned i = 0; i < std::max(1u, n); ++i) threads_.emplace_back(body);
  }
  /// Raises the flag, wakes every worker and joins them. Idempotent.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }
  /// Read with the mutex held.
  bool stopping() const { return stopping_; }
  /// Waits (the mutex held by `lock`) until notified, or until `next` if given.
  void wait(std::unique_lock<std::mutex>& lock, std::optional<Clock::time_point> next) {
    if (next) {
      cv_.wait_until(lock, *next);
    } else {
      cv_.wait(lock);
    }
  }
  void notify() { cv_.notify_all(); }

 private:
  std::mutex& mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace caas::sim
