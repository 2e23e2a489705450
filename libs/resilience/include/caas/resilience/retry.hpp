#pragma once
// Retry policy with a per-error-class table (seed 000 "Error Handling and
// Retries", seed 001 retry table). The policy is immutable and decides; the
// caller sleeps/schedules. Randomness for jitter is injected so tests are
// deterministic.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace caas::resilience {

using Duration = std::chrono::milliseconds;

enum class ErrorClass {
  timeout,       // request timed out (HTTP 408 or client-side timeout)
  network,       // connect/reset/DNS failure
  server_error,  // 5xx
  rate_limited,  // 429; Retry-After honoured when given
  client_error,  // other 4xx (400 validation, 404, 409, 422 ...)
  auth,          // 401/403
  unknown,
};

std::string_view to_string(ErrorClass c) noexcept;

/// Maps an HTTP status to its class (408->timeout, 429->rate_limited,
/// 401/403->auth, other 4xx->client_error, 5xx->server_error).
/// Statuses below 400 map to unknown (they are not errors).
ErrorClass classify_http_status(int status) noexcept;

/// Parses a Retry-After header in delta-seconds form ("120"). HTTP-date form
/// is not supported (returns nullopt) — our partners send seconds.
std::optional<Duration> parse_retry_after(std::string_view value) noexcept;

enum class Jitter {
  none,   // exact delay
  full,   // uniform in [0, delay]
  equal,  // delay/2 + uniform in [0, delay/2]
};

struct Backoff {
  enum class Kind { fixed, exponential };
  Kind kind = Kind::exponential;
  Duration initial{1000};
  double multiplier = 2.0;    // exponential only
  Duration max_delay{60000};  // cap on a single delay (before jitter)
  Jitter jitter = Jitter::none;

  /// Delay before retry number `retry` (1-based), without jitter.
  Duration base_delay(int retry) const noexcept;
};

struct RetryRule {
  int max_retries = 0;  // retries after the first attempt; 0 = never retry
  Backoff backoff{};
  bool critical = false;  // giving up on this class should page (401/403)
  bool honour_retry_after = false;
};

struct RetryDecision {
  bool retry = false;
  Duration delay{0};      // wait this long before the next attempt (retry only)
  std::string reason;     // why we give up / what we do, for logs and tickets
  bool critical = false;  // the rule's critical flag (give-up only)
  enum class GiveUp { none, not_retriable, retries_exhausted, deadline_exceeded, max_attempts };
  GiveUp give_up = GiveUp::none;
};

/// Uniform random number in [0, 1). Injected; must be thread-safe if the
/// policy is shared between threads.
using UniformRandom = std::function<double()>;

/// A mutex-guarded std::mt19937_64 seeded with `seed` (tests) — or from
/// std::random_device when seed is nullopt.
UniformRandom make_uniform_random(std::optional<std::uint64_t> seed = std::nullopt);

class RetryPolicy {
 public:
  struct Options {
    int max_attempts = 0;          // total attempts across classes; 0 = unlimited
    Duration overall_deadline{0};  // 0 = none; measured from the first attempt
  };

  /// Classes missing from `rules` are never retried.
  RetryPolicy(std::map<ErrorClass, RetryRule> rules, Options options, UniformRandom random = make_uniform_random());

  /// `attempt` = number of attempts made so far (1 after the first failure);
  /// `elapsed` = time since the first attempt started; `retry_after` = the
  /// server's Retry-After, if any.
  RetryDecision next(ErrorClass error, int attempt, Duration elapsed,
                     std::optional<Duration> retry_after = std::nullopt) const;

  const RetryRule* rule(ErrorClass c) const noexcept;
  const Options& options() const noexcept { return options_; }

  /// Copy with every duration multiplied by `factor` (tests run the real
  /// table in milliseconds).
  RetryPolicy scaled(double factor) const;

 private:
  std::map<ErrorClass, RetryRule> rules_;
  Options options_;
  UniformRandom random_;
};

/// Seed 000's Factory order-placement table:
///   network/timeout: 3 retries, 1s, 2s, 4s
///   500/502/503 (server_error): 5 retries, exponential 1s..16s
///   429: 5 retries, Retry-After honoured, else exponential
///   400 (client_error): no retry (log + alert)
///   401/403 (auth): no retry, critical
/// `time_scale` multiplies every duration; `jitter` applies to all classes;
/// `deadline` bounds the whole placement (default 10 min).
struct FactoryRetryOptions {
  double time_scale = 1.0;
  Jitter jitter = Jitter::none;
  Duration deadline{600000};
  Duration max_delay{60000};
};
RetryPolicy factory_order_placement_policy(FactoryRetryOptions options = {},
                                           UniformRandom random = make_uniform_random());

}  // namespace caas::resilience
