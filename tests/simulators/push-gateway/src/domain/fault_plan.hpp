#pragma once
// The faults the simulated gateway injects into POST /v1/messages, changed at
// runtime through POST /control/faults (partial updates: members not given
// keep their value) and drawn with the injected Random so --seed reproduces a
// run. Schema (every member optional in a patch):
//
// {"latency_ms": 0,               delay before every /v1 answer (the work is done at once)
//  "down": false,                 every request → 503 UNAVAILABLE + Retry-After: 1, nothing recorded
//  "fail_next": [503, 500, 429],  the next requests get these statuses in order (replaces the queue)
//  "fail_rate": 0.0,              probability of answering fail_status, nothing recorded
//  "fail_status": 503,
//  "hold_next": 0,                the next N requests are held unanswered, nothing recorded
//  "accept_then_hold_next": 0}    the next N requests are processed (delivered), then held
//
// Draw order per request: down, fail_next, hold_next, accept_then_hold_next,
// fail_rate. Deterministic faults come first, so a test that scripts them is
// never disturbed by a random draw.

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <caas/sim/fault_patch.hpp>
#include <caas/sim/random.hpp>
#include "domain/api_error.hpp"

namespace caas::push_sim {

using sim::Random;
using sim::ScriptedRandom;
using sim::SeededRandom;

struct FaultPlan {
  std::chrono::milliseconds latency{0};
  bool down = false;
  std::deque<int> fail_next;  // HTTP statuses 400..599, consumed one per request
  double fail_rate = 0.0;
  int fail_status = 503;
  std::uint64_t hold_next = 0;
  std::uint64_t accept_then_hold_next = 0;
};

using sim::PatchError;

/// Applies a partial update. All or nothing: on error `plan` is unchanged.
/// Unknown members are refused (a typo must not silently do nothing).
std::optional<PatchError> apply_fault_patch(FaultPlan& plan, const rapidjson::Value& patch);

/// The plan as the patch schema (GET /control/faults).
std::string to_json(const FaultPlan& plan);

enum class Injected {
  none,              // processed normally
  down,              // 503 UNAVAILABLE, not processed
  fail,              // `status`, not processed
  hold,              // no answer until the hold ends, not processed
  accept_then_hold,  // processed normally, the answer held
};

struct FaultDecision {
  Injected kind = Injected::none;
  int status = 0;  // for fail
  std::chrono::milliseconds latency{0};
};

/// Draws the fault for one request, consuming a fail_next entry or a hold
/// count when one applies.
FaultDecision decide_fault(FaultPlan& plan, Random& rng);

/// The body of an injected status: 503 → UNAVAILABLE, 429 → RATE_LIMITED,
/// 500 → INTERNAL_ERROR, ...
ApiError injected_error(int status);

}  // namespace caas::push_sim
