#pragma once
// Circuit breaker (seed 001 pattern, used by the factory-adapter around the
// Factory API). Thread-safe; time comes from an injected clock.
//
// Metric convention for the state-change callback / gauge:
//   0 = closed, 1 = open, 2 = half-open   (static_cast<int>(CircuitState))

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

namespace caas::resilience {

enum class CircuitState : int { closed = 0, open = 1, half_open = 2 };
std::string_view to_string(CircuitState s) noexcept;

struct CircuitBreakerConfig {
  int consecutive_failures = 5;  // trip after N failures in a row; 0 = off
  double failure_ratio = 0.0;    // trip when failures/calls >= ratio; 0 = off
  int window_size = 20;          // last N outcomes considered for the ratio
  int min_calls = 10;            // ratio only judged once the window has this many
  std::chrono::milliseconds open_duration{30000};
  int half_open_probes = 1;     // concurrent trial calls admitted when half-open
  int half_open_successes = 1;  // successes needed to close again
};

class CircuitBreaker {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  /// Called after every transition (outside the internal lock).
  using StateListener = std::function<void(CircuitState from, CircuitState to)>;

  /// Throws std::invalid_argument on a nonsensical config.
  explicit CircuitBreaker(
      CircuitBreakerConfig config, Clock clock = [] { return std::chrono::steady_clock::now(); },
      StateListener listener = {});

  /// May the caller make a call now? In half-open this admits up to
  /// `half_open_probes` callers; each admitted caller must report its outcome.
  bool allow();
  void record_success();
  void record_failure();

  /// Current state (an elapsed open period reads as half-open).
  CircuitState state();
  /// Time left before an open breaker admits probes (0 unless open).
  std::chrono::milliseconds retry_in();

 private:
  using Transitions = std::vector<std::pair<CircuitState, CircuitState>>;
  void transition(CircuitState to, Transitions& out);                         // lock held
  void refresh(std::chrono::steady_clock::time_point now, Transitions& out);  // lock held
  void notify(const Transitions& t) const;
  void reset_window();

  CircuitBreakerConfig config_;
  Clock clock_;
  StateListener listener_;
  std::mutex mutex_;
  CircuitState state_ = CircuitState::closed;
  std::chrono::steady_clock::time_point opened_at_{};
  int consecutive_failures_ = 0;
  std::vector<bool> window_;  // ring buffer of outcomes (true = failure)
  std::size_t window_pos_ = 0;
  std::size_t window_count_ = 0;
  int probes_in_flight_ = 0;
  int probe_successes_ = 0;
};

}  // namespace caas::resilience
