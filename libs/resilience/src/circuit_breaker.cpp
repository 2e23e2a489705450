#include "caas/resilience/circuit_breaker.hpp"

#include <stdexcept>

namespace caas::resilience {

std::string_view to_string(CircuitState s) noexcept {
  switch (s) {
    case CircuitState::closed:
      return "closed";
    case CircuitState::open:
      return "open";
    case CircuitState::half_open:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerConfig config, Clock clock, StateListener listener)
    : config_(config), clock_(std::move(clock)), listener_(std::move(listener)) {
  if (!clock_) throw std::invalid_argument("CircuitBreaker: clock required");
  if (config_.consecutive_failures < 0 || config_.failure_ratio < 0.0 || config_.failure_ratio > 1.0 ||
      config_.half_open_probes < 1 || config_.half_open_successes < 1 || config_.open_duration.count() < 0 ||
      (config_.failure_ratio > 0.0 &&
       (config_.window_size < 1 || config_.min_calls < 1 || config_.min_calls > config_.window_size)))
    throw std::invalid_argument("CircuitBreaker: invalid configuration");
  if (config_.consecutive_failures == 0 && config_.failure_ratio == 0.0)
    throw std::invalid_argument("CircuitBreaker: no trip condition configured");
  window_.assign(config_.failure_ratio > 0.0 ? static_cast<std::size_t>(config_.window_size) : 0, false);
}

void CircuitBreaker::reset_window() {
  consecutive_failures_ = 0;
  window_pos_ = 0;
  window_count_ = 0;
}

void CircuitBreaker::transition(CircuitState to, Transitions& out) {
  if (state_ == to) return;
  out.emplace_back(state_, to);
  state_ = to;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
  if (to == CircuitState::open) opened_at_ = clock_();
  if (to == CircuitState::closed) reset_window();
}

void CircuitBreaker::refresh(std::chrono::steady_clock::time_point now, Transitions& out) {
  if (state_ == CircuitState::open && now - opened_at_ >= config_.open_duration)
    transition(CircuitState::half_open, out);
}

void CircuitBreaker::notify(const Transitions& t) const {
  if (!listener_) return;
  for (const auto& [from, to] : t) listener_(from, to);
}

bool CircuitBreaker::allow() {
  Transitions t;
  bool ok = false;
  {
    std::lock_guard lock(mutex_);
    refresh(clock_(), t);
    switch (state_) {
      case CircuitState::closed:
        ok = true;
        break;
      case CircuitState::open:
        ok = false;
        break;
      case CircuitState::half_open:
        ok = probes_in_flight_ < config_.half_open_probes;
        if (ok) ++probes_in_flight_;
        break;
    }
  }
  notify(t);
  return ok;
}

void CircuitBreaker::record_success() {
  Transitions t;
  {
    std::lock_guard lock(mutex_);
    refresh(clock_(), t);
    if (state_ == CircuitState::half_open) {
      if (probes_in_flight_ > 0) --probes_in_flight_;
      if (++probe_successes_ >= config_.half_open_successes) transition(CircuitState::closed, t);
    } else if (state_ == CircuitState::closed) {
      consecutive_failures_ = 0;
      if (!window_.empty()) {
        window_[window_pos_] = false;
        window_pos_ = (window_pos_ + 1) % window_.size();
        if (window_count_ < window_.size()) ++window_count_;
      }
    }
    // A late success while open (call admitted before the trip) changes nothing.
  }
  notify(t);
}

void CircuitBreaker::record_failure() {
  Transitions t;
  {
    std::lock_guard lock(mutex_);
    refresh(clock_(), t);
    if (state_ == CircuitState::half_open) {
      transition(CircuitState::open, t);  // a failed probe reopens for a full period
    } else if (state_ == CircuitState::closed) {
      ++consecutive_failures_;
      bool trip = config_.consecutive_failures > 0 && consecutive_failures_ >= config_.consecutive_failures;
      if (!window_.empty()) {
        window_[window_pos_] = true;
        window_pos_ = (window_pos_ + 1) % window_.size();
        if (window_count_ < window_.size()) ++window_count_;
        if (window_count_ >= static_cast<std::size_t>(config_.min_calls)) {
          std::size_t failures = 0;
          for (std::size_t i = 0; i < window_count_; ++i) failures += window_[i] ? 1 : 0;
          trip = trip || static_cast<double>(failures) / static_cast<double>(window_count_) >= config_.failure_ratio;
        }
      }
      if (trip) transition(CircuitState::open, t);
    }
  }
  notify(t);
}

CircuitState CircuitBreaker::state() {
  Transitions t;
  CircuitState s;
  {
    std::lock_guard lock(mutex_);
    refresh(clock_(), t);
    s = state_;
  }
  notify(t);
  return s;
}

std::chrono::milliseconds CircuitBreaker::retry_in() {
  std::lock_guard lock(mutex_);
  if (state_ != CircuitState::open) return std::chrono::milliseconds{0};
  const auto left = config_.open_duration - (clock_() - opened_at_);
  return left.count() > 0 ? std::chrono::duration_cast<std::chrono::milliseconds>(left) : std::chrono::milliseconds{0};
}

}  // namespace caas::resilience
