#pragma once
// Answers requests later without blocking an I/O thread: the latency fault
// and the hold/timeout faults (no answer until the client has given up)
// park the Responder here with a due time. One thread, a bounded number of
// parked answers (beyond it they are sent at once), everything still parked
// answered immediately at stop().

#include <caas/http/server.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <thread>

namespace caas::sim {

class ResponseScheduler {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ResponseScheduler(std::size_t capacity = 10000) : capacity_(capacity) {}
  ~ResponseScheduler() { stop(); }
  ResponseScheduler(const ResponseScheduler&) = delete;
  ResponseScheduler& operator=(const ResponseScheduler&) = delete;

  void start();
  /// Sends every parked answer now and joins the thread. Idempotent.
  void stop();

  /// Sends `response` at `when` (now if it is due, the scheduler is stopped
  /// or full). Returns true when the answer was parked.
  bool respond_at(Clock::time_point when, http::Responder responder, http::Response response);
  bool respond_after(std::chrono::milliseconds delay, http::Responder responder, http::Response response) {
    return respond_at(Clock::now() + delay, std::move(responder), std::move(response));
  }
  std::size_t parked() const;

 private:
  struct Parked {
    http::Responder responder;
    http::Response response;
  };
  void run();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, Parked> parked_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace caas::sim
