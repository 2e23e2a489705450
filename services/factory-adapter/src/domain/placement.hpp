#pragma once
// What one placement attempt's result means for the order (seed 000 retry
// table, applied through caas::resilience::RetryPolicy):
//   201                 -> placed
//   400 / other 4xx     -> rejected (no retry, alert)
//   401 / 403           -> auth_failed (no retry, critical alert)
//   timeout / network   -> retry (3 retries, 1 s / 2 s / 4 s) then exhausted
//   500 / 502 / 503     -> retry (5 retries, exponential) then exhausted
//   429                 -> retry honouring Retry-After, then exhausted
//   unintelligible      -> exhausted at once (a person must look)
// Pure: the caller supplies the attempt count and elapsed time.

#include "clients/factory_api.hpp"

#include <caas/resilience/retry.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace caas::factory {

enum class PlacementAction { placed, rejected, auth_failed, retry, exhausted };
std::string_view to_string(PlacementAction a) noexcept;

struct PlacementDecision {
  PlacementAction action = PlacementAction::exhausted;
  std::chrono::milliseconds delay{0};  // retry only
  bool critical = false;               // auth failures page someone
  resilience::ErrorClass error_class = resilience::ErrorClass::unknown;
  std::string reason;  // loggable
};

/// `attempts` = attempts made including the one that produced `result`;
/// `elapsed` = time spent on this placement so far (attempts + waits between
/// them; time waiting for an open circuit breaker is excluded).
PlacementDecision decide_placement(const PlaceResult& result, int attempts, std::chrono::milliseconds elapsed,
                                   const resilience::RetryPolicy& policy);

/// Seed-000 retry policy with the adapter's configured delays.
struct PlacementRetrySettings {
  std::chrono::milliseconds initial_delay{1000};  // 1 s in the seed; the whole table scales with it
  std::chrono::milliseconds max_delay{60000};
  std::chrono::milliseconds deadline{600000};  // 0 = none
  resilience::Jitter jitter = resilience::Jitter::none;
};
resilience::RetryPolicy make_placement_policy(const PlacementRetrySettings& s);

/// The error class of a result (for events and metrics); `unknown` for Created.
resilience::ErrorClass error_class_of(const PlaceResult& result) noexcept;
/// HTTP status of a result, 0 when there was no HTTP answer.
int http_status_of(const PlaceResult& result) noexcept;
/// Human-readable summary of a failed result ("" for Created).
std::string describe(const PlaceResult& result);

}  // namespace caas::factory
