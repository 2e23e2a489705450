#pragma once
// The rules of one vehicle's state (pure: no store, no Kafka, no clock).
//
// Which time drives the silence timeout: the ingress's receipt time of the
// vehicle's freshest reading (`received_at`, in the data), not the vehicle's
// own clock (it may be skewed, and a batch retried by the partner carries old
// reading times) and not the time this service happened to process it (a
// replay, a restart or consumer lag would move it). So the deadline
// last_heard + timeout is a fact of the log: a replay computes the same
// deadlines, the same offline instants and therefore the same event ids. The
// service's clock only decides *when* a passed deadline is acted on
// (app/deadline_sweeper).
//
// Connectivity, as a function of the fresh readings' receipt times r_i:
// online from r_1; the vehicle goes offline at r_i + timeout when no fresh
// reading is received before that deadline; it is online again at the next
// fresh reading. Out-of-order and duplicate readings say nothing about the
// connection (a partner's retry may carry them long after the vehicle fell
// silent).

#include "domain/reading.hpp"
#include "domain/seq_window.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::telemetry {

struct Policy {
  std::chrono::milliseconds offline_timeout{std::chrono::minutes(5)};
  std::map<std::string, std::chrono::milliseconds> platform_timeouts;  // platform -> timeout
  std::uint32_t dedup_window = 1024;
  std::chrono::milliseconds timeout_for(const std::string& platform) const;
};

struct VehicleState {
  std::string vin;
  std::string platform;
  std::int32_t partition = -1;  // of caas.ingress.iot-telemetry.v1 (who owns it)
  SeqWindow window;
  std::uint64_t readings = 0;  // accepted (fresh + out of order)
  // The latest (highest seq) reading's report.
  std::uint64_t seq = 0;
  std::string time;       // the reading's own time
  std::string last_seen;  // its received_at (= last heard)
  std::int64_t last_seen_ms = 0;
  std::string operational_state;
  std::optional<Position> position;
  bool configuration_reported = false;
  Configuration configuration;
  std::vector<Diagnostic> diagnostics;
  std::optional<Connectivity> connectivity;
  // Connectivity. The deadline is in the deadline index while online.
  bool online = false;
  std::int64_t online_since_ms = 0;
  std::int64_t offline_since_ms = 0;  // while offline
  std::int64_t deadline_ms = 0;
  std::uint64_t deadline_seq = 0;  // the reading whose receipt set the deadline

  bool operator==(const VehicleState&) const = default;
};

/// One entry of the connectivity log: an online interval (keyed by its start).
struct OnlineInterval {
  std::int64_t from_ms = 0;
  std::optional<std::int64_t> until_ms;  // open while online
  bool operator==(const OnlineInterval&) const = default;
};

/// An event to emit on caas.vehicle.events.v1 (data already JSON).
struct VehicleEvent {
  std::string_view type;  // one of the kType* constants
  std::string data;
  std::string id;          // deterministic: derived from the facts that caused it
  std::int64_t at_ms = 0;  // envelope time: the instant of the fact (from the data)
};

struct Outcome {
  SeqVerdict verdict = SeqVerdict::fresh;
  VehicleState state;
  std::vector<VehicleEvent> events;
  std::vector<OnlineInterval> intervals;         // connectivity log entries to (over)write
  std::optional<std::int64_t> removed_deadline;  // index entries of this vehicle
  std::optional<std::int64_t> added_deadline;
};

/// A reading applied to the vehicle's state (nullopt: first reading ever).
/// Duplicates and too-old readings leave the state as it is; out-of-order
/// ones only enter the dedup window (and the timeline, by the caller); only
/// fresh readings move the latest state and the connectivity.
Outcome apply_reading(const std::optional<VehicleState>& current, const Reading& r, const Policy& policy,
                      std::int32_t partition);

/// The deadline `deadline_ms` of the index passed without a fresh reading:
/// the vehicle goes offline at that instant. nullopt if the entry is stale
/// (the vehicle is offline already or its deadline moved).
std::optional<Outcome> silence_passed(const VehicleState& current, std::int64_t deadline_ms, const Policy& policy);

/// Worst severity of the active diagnostics ("none" when there are none).
std::string_view worst_severity(const std::vector<Diagnostic>& diagnostics);

}  // namespace caas::telemetry
