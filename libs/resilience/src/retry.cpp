#include "caas/resilience/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>

namespace caas::resilience {

std::string_view to_string(ErrorClass c) noexcept {
  switch (c) {
    case ErrorClass::timeout:
      return "timeout";
    case ErrorClass::network:
      return "network";
    case ErrorClass::server_error:
      return "server_error";
    case ErrorClass::rate_limited:
      return "rate_limited";
    case ErrorClass::client_error:
      return "client_error";
    case ErrorClass::auth:
      return "auth";
    case ErrorClass::unknown:
      return "unknown";
  }
  return "unknown";
}

ErrorClass classify_http_status(int status) noexcept {
  if (status == 408) return ErrorClass::timeout;
  if (status == 429) return ErrorClass::rate_limited;
  if (status == 401 || status == 403) return ErrorClass::auth;
  if (status >= 400 && status < 500) return ErrorClass::client_error;
  if (status >= 500 && status < 600) return ErrorClass::server_error;
  return ErrorClass::unknown;
}

std::optional<Duration> parse_retry_after(std::string_view value) noexcept {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;  // > ~31 years is nonsense
  std::int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || ptr != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::seconds{seconds});
}

Duration Backoff::base_delay(int retry) const noexcept {
  if (retry < 1) retry = 1;
  double ms = static_cast<double>(initial.count());
  if (kind == Kind::exponential) ms *= std::pow(multiplier, retry - 1);
  const double cap = static_cast<double>(max_delay.count());
  if (max_delay.count() > 0 && ms > cap) ms = cap;
  return Duration{static_cast<Duration::rep>(std::llround(ms))};
}

UniformRandom make_uniform_random(std::optional<std::uint64_t> seed) {
  struct State {
    std::mutex mutex;
    std::mt19937_64 engine;
  };
  auto state = std::make_shared<State>();
  state->engine.seed(seed ? *seed
                          : (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}());
  return [state] {
    std::lock_guard lock(state->mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(state->engine);
  };
}

RetryPolicy::RetryPolicy(std::map<ErrorClass, RetryRule> rules, Options options, UniformRandom random)
    : rules_(std::move(rules)), options_(options), random_(std::move(random)) {
  if (!random_) throw std::invalid_argument("RetryPolicy: random source required");
  for (const auto& [cls, r] : rules_) {
    if (r.max_retries < 0 || r.backoff.initial.count() < 0 || r.backoff.multiplier < 1.0)
      throw std::invalid_argument("RetryPolicy: bad rule for " + std::string(to_string(cls)));
  }
}

const RetryRule* RetryPolicy::rule(ErrorClass c) const noexcept {
  auto it = rules_.find(c);
  return it == rules_.end() ? nullptr : &it->second;
}

RetryDecision RetryPolicy::next(ErrorClass error, int attempt, Duration elapsed,
                                std::optional<Duration> retry_after) const {
  RetryDecision d;
  const std::string cls{to_string(error)};
  const RetryRule* r = rule(error);
  if (r == nullptr || r->max_retries == 0) {
    d.give_up = RetryDecision::GiveUp::not_retriable;
    d.critical = r != nullptr && r->critical;
    d.reason = cls + " is not retriable";
    return d;
  }
  d.critical = r->critical;
  if (options_.max_attempts > 0 && attempt >= options_.max_attempts) {
    d.give_up = RetryDecision::GiveUp::max_attempts;
    d.reason = "max attempts (" + std::to_string(options_.max_attempts) + ") reached after " + cls;
    return d;
  }
  const int retry = attempt;  // the retry we would make now (1-based)
  if (retry > r->max_retries) {
    d.give_up = RetryDecision::GiveUp::retries_exhausted;
    d.reason = cls + ": " + std::to_string(r->max_retries) + " retries exhausted";
    return d;
  }
  Duration delay = r->backoff.base_delay(retry);
  if (r->honour_retry_after && retry_after) {
    delay = *retry_after;  // the server knows best; jitter is not applied
  } else if (r->backoff.jitter != Jitter::none) {
    const double u = std::clamp(random_(), 0.0, 1.0);
    const double base = static_cast<double>(delay.count());
    const double j = r->backoff.jitter == Jitter::full ? base * u : base / 2.0 + (base / 2.0) * u;
    delay = Duration{static_cast<Duration::rep>(std::llround(j))};
  }
  if (options_.overall_deadline.count() > 0 && elapsed + delay > options_.overall_deadline) {
    d.give_up = RetryDecision::GiveUp::deadline_exceeded;
    d.reason =
        cls + ": next retry would pass the " + std::to_string(options_.overall_deadline.count()) + " ms deadline";
    return d;
  }
  d.retry = true;
  d.critical = false;
  d.delay = delay;
  d.reason = cls + ": retry " + std::to_string(retry) + "/" + std::to_string(r->max_retries) + " in " +
             std::to_string(delay.count()) + " ms";
  return d;
}

RetryPolicy RetryPolicy::scaled(double factor) const {
  auto scale = [factor](Duration v) {
    return Duration{static_cast<Duration::rep>(std::llround(static_cast<double>(v.count()) * factor))};
  };
  auto rules = rules_;
  for (auto& [cls, r] : rules) {
    r.backoff.initial = scale(r.backoff.initial);
    r.backoff.max_delay = scale(r.backoff.max_delay);
  }
  Options o = options_;
  o.overall_deadline = scale(o.overall_deadline);
  return RetryPolicy(std::move(rules), o, random_);
}

RetryPolicy factory_order_placement_policy(FactoryRetryOptions opt, UniformRandom random) {
  const Backoff exp{Backoff::Kind::exponential, Duration{1000}, 2.0, opt.max_delay, opt.jitter};
  std::map<ErrorClass, RetryRule> rules{
      {ErrorClass::network, {3, exp, false, false}},      {ErrorClass::timeout, {3, exp, false, false}},
      {ErrorClass::server_error, {5, exp, false, false}}, {ErrorClass::rate_limited, {5, exp, false, true}},
      {ErrorClass::client_error, {0, exp, false, false}}, {ErrorClass::auth, {0, exp, true, false}},
  };
  RetryPolicy base(std::move(rules), {0, opt.deadline}, std::move(random));
  return opt.time_scale == 1.0 ? base : base.scaled(opt.time_scale);
}

}  // namespace caas::resilience
