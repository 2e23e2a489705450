#pragma once
// The faults the simulated API IoT and its vehicles inject, changed at
// runtime through POST /control/faults (partial updates) and drawn with the
// injected Random so a --seed reproduces a run. Schema (every member
// optional in a patch; README "Faults"):
//
// {"api":       {"latency_ms":0, "timeout_probability":0.0, "error_probability":0.0,
//                "error_statuses":[502,503,504], "next_errors":[503,"timeout",429],
//                "rate_limit_rps":0, "rate_limit_burst":10},
//  "fleet":     { vehicle faults, for every vehicle },
//  "vehicles":  {"<VIN>": { vehicle faults, this vehicle only } | null},
//  "telemetry": {"paused":false}}
//
// vehicle faults: {"offline":false, "reject_probability":0.0, "partial_probability":0.0,
//                  "firmware_error_probability":0.0, "firmware_error_code":"FW_INTERNAL_ERROR",
//                  "ack_delay_ms":0, "lost_ack_probability":0.0, "telemetry_gap_probability":0.0,
//                  "duplicate_probability":0.0, "reorder_probability":0.0,
//                  "offline_flap_probability":0.0, "offline_flap_ms":2000}
//
// A vehicle's entry overrides only the members it names; the others follow
// "fleet", also when "fleet" changes later. null removes the entry.

#include <rapidjson/document.h>

#include <caas/sim/fault_patch.hpp>
#include <caas/sim/random.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::iot_sim {

using sim::PatchError;
using SteadyTime = std::chrono::steady_clock::time_point;

using sim::kTimeoutMarker;  // next_errors entry meaning "hold the request like a network timeout"

/// Faults of the API IoT itself, for every route of /api/v1. A faulted
/// request never reaches the vehicle (network interruption during command
/// transmission, seed 004): nothing is applied.
struct ApiFaults {
  std::chrono::milliseconds latency{0};  // every answer, faults included
  double timeout_probability = 0.0;      // held until --hold: the client times out
  double error_probability = 0.0;        // one of error_statuses
  std::vector<int> error_statuses{502, 503, 504};
  std::deque<int> next_errors;  // deterministic: the next requests get these; kTimeoutMarker = timeout
  double rate_limit_rps = 0.0;  // token bucket over all API requests; 0 = no limit → 429 + Retry-After
  double rate_limit_burst = 10.0;
};

struct VehicleFaults {
  bool offline = false;                     // no telemetry; commands held until online or TTL
  double reject_probability = 0.0;          // REJECTED CONFIGURATION_REJECTED, nothing changes
  double partial_probability = 0.0;         // APPLIED, but only some parameters changed
  double firmware_error_probability = 0.0;  // FAILED with firmware_error_code, nothing changes
  std::string firmware_error_code = "FW_INTERNAL_ERROR";
  std::chrono::milliseconds ack_delay{0};        // every command-status webhook leaves this much later
  double lost_ack_probability = 0.0;             // the command is executed, no command-status webhook is ever sent
  double telemetry_gap_probability = 0.0;        // a reading is taken (its seq used) but never sent
  double duplicate_probability = 0.0;            // a reading is sent twice
  double reorder_probability = 0.0;              // a reading is sent after the vehicle's next one
  double offline_flap_probability = 0.0;         // per telemetry interval: an online vehicle drops off the network...
  std::chrono::milliseconds offline_flap{2000};  // ... for this long, then comes back by itself
};

struct TelemetryFaults {
  bool paused = false;  // no readings at all, fleet-wide (seq not consumed)
};

class FaultPlan {
 public:
  ApiFaults api;
  VehicleFaults fleet;
  TelemetryFaults telemetry;

  /// The faults that apply to `vin`: its entry over "fleet".
  const VehicleFaults& for_vehicle(std::string_view vin) const;
  /// VINs with an entry of their own.
  std::vector<std::string> overridden() const;

  /// Applies a partial update. All or nothing: on error the plan is
  /// unchanged. Unknown members and unknown VINs are refused.
  std::optional<PatchError> apply_patch(const rapidjson::Value& patch,
                                        const std::function<bool(std::string_view)>& known_vin);

  /// The plan in the patch schema (vehicle entries as given).
  std::string to_json() const;

 private:
  void recompute();

  std::map<std::string, std::string, std::less<>> vehicle_patches_;  // VIN -> its members, as JSON text
  std::map<std::string, VehicleFaults, std::less<>> effective_;      // VIN -> fleet + its members
};

enum class Injected { none, timeout, error };

struct ApiDecision {
  Injected kind = Injected::none;
  int status = 0;  // for error
  std::chrono::milliseconds latency{0};
};

/// Draws the fault for one API request: next_errors (consumed), timeout, error.
ApiDecision decide_api(ApiFaults& faults, sim::Random& rng);

/// The token bucket behind rate_limit_rps: `burst` tokens, refilled at `rps`.
class TokenBucket {
 public:
  /// nullopt when the request may pass (a token is taken), else how long
  /// until a token is available (the Retry-After). rps <= 0: always passes.
  std::optional<std::chrono::milliseconds> take(double rps, double burst, SteadyTime now);

 private:
  double tokens_ = -1.0;  // < 0: not started (full on first use)
  SteadyTime last_{};
};

}  // namespace caas::iot_sim
