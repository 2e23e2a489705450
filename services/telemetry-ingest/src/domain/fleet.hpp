#pragma once
// The fleet summary (GET /api/v1/fleet/summary, vehicle_connectivity_rate):
// counters over every vehicle, kept incrementally. Pure.
//
// Each replica owns only some partitions of the telemetry topic, so no
// replica's vehicle records cover the fleet. The summary is therefore built
// from caas.vehicle.events.v1, which every replica reads whole (its own
// consumer group): online/offline, operational state and diagnostics are all
// on that log, one owner writes each vehicle's events in order, and ids are
// deterministic, so every replica arrives at the same counters whichever
// partitions it owns, and a rebalance changes nothing.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace caas::telemetry {

/// What the summary needs of one vehicle.
struct FleetEntry {
  bool online = false;
  std::string operational_state;                   // "" until reported
  std::map<std::string, std::string> diagnostics;  // active code -> severity
  bool operator==(const FleetEntry&) const = default;
};

struct FleetCounters {
  std::int64_t known = 0;
  std::int64_t online = 0;
  std::map<std::string, std::int64_t> by_state;     // operational state -> vehicles
  std::map<std::string, std::int64_t> by_severity;  // worst active severity ("none") -> vehicles
  bool operator==(const FleetCounters&) const = default;

  double online_ratio() const { return known == 0 ? 0.0 : static_cast<double>(online) / static_cast<double>(known); }
};

/// The entry after one vehicle event (`data` is its JSON). nullopt: the
/// event does not concern the summary (or its data is unusable).
std::optional<FleetEntry> fleet_apply(const std::optional<FleetEntry>& entry, std::string_view type,
                                      std::string_view data_json);

/// Moves one vehicle's contribution from `before` (nullopt: unknown) to `after`.
void fleet_count(FleetCounters& counters, const std::optional<FleetEntry>& before, const FleetEntry& after);

std::string_view worst_of(const std::map<std::string, std::string>& diagnostics);

}  // namespace caas::telemetry
