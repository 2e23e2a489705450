#pragma once
// SIGTERM/SIGINT as an ordinary event: the constructor blocks both signals in
// the calling thread (construct it first in main(), before any thread starts,
// so every thread inherits the mask) and wait() receives them through a
// signalfd. request() triggers the same path programmatically (tests, fatal
// errors in a worker).

#include <chrono>
#include <optional>

namespace caas::service {

class ShutdownSignal {
 public:
  ShutdownSignal();
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  /// Blocks until SIGTERM/SIGINT arrives or request() was called. Returns the
  /// signal number (0 for request()).
  int wait();
  /// As wait(), but gives up after `timeout` (nullopt).
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  /// Thread-safe, async-signal-safe.
  void request() noexcept;

 private:
  int signal_fd_ = -1;
  int event_fd_ = -1;
};

}  // namespace caas::service
