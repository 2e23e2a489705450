#pragma once
// A thread that runs `work` now and then every `interval` until stopped
// (stop() interrupts the wait, then joins). The sweeper and the partition
// watcher of this service share it. Several services have the same loop
// written out (factory-adapter's reconciler, the simulators' scheduler): a
// candidate for libs/service.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace caas::telemetry {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  ~PeriodicThread() { stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  void start(std::chrono::milliseconds interval, std::function<void()> work) {
    thread_ = std::thread([this, interval, work = std::move(work)] {
      std::unique_lock lock(mutex_);
      while (!stopping_) {
        lock.unlock();
        work();
        lock.lock();
        cv_.wait_for(lock, interval, [this] { return stopping_; });
      }
    });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace caas::telemetry
