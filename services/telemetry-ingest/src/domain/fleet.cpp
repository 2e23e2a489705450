#include "domain/fleet.hpp"

#include "domain/reading.hpp"
#include "domain/vehicle_events.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

namespace caas::telemetry {

namespace json = caas::events::json;

std::string_view worst_of(const std::map<std::string, std::string>& diagnostics) {
  std::string_view worst = "none";
  int rank = 0;
  for (const auto& [code, severity] : diagnostics) {
    const int r = severity_rank(severity);
    if (r > rank) {
      rank = r;
      worst = kSeverities[r - 1];
    }
  }
  return worst;
}

std::optional<FleetEntry> fleet_apply(const std::optional<FleetEntry>& entry, std::string_view type,
                                      std::string_view data_json) {
  auto doc = events::parse_strict_json(data_json);
  if (!doc || !doc->IsObject()) return std::nullopt;
  FleetEntry e = entry.value_or(FleetEntry{});
  if (type == kTypeOnline) {
    e.online = true;
  } else if (type == kTypeOffline) {
    e.online = false;
  } else if (type == kTypeOperationalStateChanged) {
    e.operational_state = json::str(*doc, "operational_state");
  } else if (type == kTypeDiagnosticRaised) {
    e.diagnostics[json::str(*doc, "code")] = json::str(*doc, "severity");
  } else if (type == kTypeDiagnosticCleared) {
    e.diagnostics.erase(json::str(*doc, "code"));
  } else if (type == kTypeConfigurationReported) {
    if (!entry) return std::nullopt;  // nothing the summary counts
    return e;
  } else {
    return std::nullopt;
  }
  return e;
}

void fleet_count(FleetCounters& c, const std::optional<FleetEntry>& before, const FleetEntry& after) {
  auto add = [&c](const FleetEntry& e, std::int64_t n) {
    c.known += n;
    if (e.online) c.online += n;
    if (!e.operational_state.empty()) c.by_state[e.operational_state] += n;
    c.by_severity[std::string(worst_of(e.diagnostics))] += n;
  };
  if (before) add(*before, -1);
  add(after, 1);
  std::erase_if(c.by_state, [](const auto& kv) { return kv.second == 0; });
  std::erase_if(c.by_severity, [](const auto& kv) { return kv.second == 0; });
}

}  // namespace caas::telemetry
