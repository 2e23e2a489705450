#pragma once
// The faults the simulated Factory injects, changed at runtime through the
// control API (POST /control/faults, partial updates) and drawn with the
// injected Random so a --seed reproduces a run. Schema (every member optional
// in a patch; README "Fault injection"):
//
// {"placement":    {"latency_ms":0, "timeout_probability":0.0, "error_probability":0.0,
//                   "error_statuses":[500,502,503], "next_errors":[503,"timeout"],
//                   "reject_400_probability":0.0, "auth_failure":null|401|403},
//  "status_query": { same members as placement },
//  "webhooks":     {"drop_probability":0.0, "duplicate_probability":0.0, "reorder_probability":0.0,
//                   "silent_statuses":["ASSEMBLY_COMPLETE"], "down":false},
//  "production":   {"qc_failure_probability":0.0, "paused":false}}

#include <rapidjson/document.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <caas/sim/fault_patch.hpp>
#include <caas/sim/random.hpp>
#include "domain/api_error.hpp"
#include "domain/status.hpp"

namespace caas::factory_sim {

using sim::Random;
using sim::ScriptedRandom;
using sim::SeededRandom;

using sim::kTimeoutMarker;  // next_errors entry meaning "hold the request like a timeout"

/// Faults of one Factory API endpoint, drawn per request in this order:
/// auth_failure, next_errors (a deterministic queue), timeout, error, 400.
/// The latency applies to every answer.
struct EndpointFaults {
  std::chrono::milliseconds latency{0};
  double timeout_probability = 0.0;  // answered only after --hold (the client gives up first)
  double error_probability = 0.0;    // answered with one of error_statuses
  std::vector<int> error_statuses{500, 502, 503};
  std::deque<int> next_errors;  // statuses for the next requests; kTimeoutMarker = timeout
  double reject_400_probability = 0.0;
  std::optional<int> auth_failure;  // 401 or 403 for every request
};

struct WebhookFaults {
  double drop_probability = 0.0;        // the webhook is never sent
  double duplicate_probability = 0.0;   // sent twice (same body)
  double reorder_probability = 0.0;     // held back and sent after the order's next webhook
  std::vector<Status> silent_statuses;  // these status changes never produce a webhook
  bool down = false;                    // every delivery attempt fails (retried, then given up)
};

struct ProductionFaults {
  double qc_failure_probability = 0.0;  // QUALITY_CHECK → IN_PRODUCTION, once per order
  bool paused = false;                  // no order moves
};

struct FaultPlan {
  EndpointFaults placement;
  EndpointFaults status_query;
  WebhookFaults webhooks;
  ProductionFaults production;
};

using sim::PatchError;

/// Applies a partial update. All or nothing: on error `plan` is unchanged.
/// Unknown members are refused (a typo must not silently do nothing).
std::optional<PatchError> apply_fault_patch(FaultPlan& plan, const rapidjson::Value& patch);

std::string to_json(const FaultPlan& plan);

enum class Injected { none, timeout, error, auth };

struct EndpointDecision {
  Injected kind = Injected::none;
  int status = 0;  // for error / auth
  std::chrono::milliseconds latency{0};
};

/// Draws the fault for one request; consumes one next_errors entry if any.
EndpointDecision decide_endpoint(EndpointFaults& faults, Random& rng);

/// The body of an injected error status (400 → INVALID_SPECIFICATION, 503 →
/// SERVICE_UNAVAILABLE, ...).
ApiError injected_error(int status);

struct WebhookDecision {
  bool silent = false;
  bool dropped = false;
  bool duplicate = false;
  bool reorder = false;
};

/// What happens to the webhook of one status change.
WebhookDecision decide_webhook(const WebhookFaults& faults, Status status, Random& rng);

}  // namespace caas::factory_sim
