#pragma once
// One telemetry reading as the ingress wrote it (proto-schemas/
// ingress.iot-telemetry.v1.json, DESIGN.md §2), read into plain values. Pure.
//
// Absent or null members mean "not reported in this reading": the latest
// state keeps what it had. An empty `diagnostics` array is a report ("no
// active codes") and clears them.

#include <caas/core/result.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::telemetry {

struct Position {
  double lat = 0;
  double lon = 0;
  bool operator==(const Position&) const = default;
};

struct Diagnostic {
  std::string code;
  std::string severity;  // info, warning, error, critical; "" when the vehicle sent none
  bool operator==(const Diagnostic&) const = default;
};

struct Connectivity {
  std::optional<std::int64_t> signal_dbm;
  std::string network;
  bool operator==(const Connectivity&) const = default;
};

/// Parameter -> its value as compact JSON text ("\"HIGH\"", "1", "true"):
/// the vehicle's own values, compared and re-emitted exactly as sent.
using Configuration = std::map<std::string, std::string>;

struct Reading {
  std::string vin;
  std::uint64_t seq = 0;
  std::string time;              // the vehicle's clock, as sent
  std::int64_t time_ms = 0;      // the same, parsed
  std::int64_t received_ms = 0;  // the ingress's clock at receipt (received_at)
  std::string received_at;
  std::string operational_state;  // RUNNING, PARKED, CHARGING, OFF
  std::string platform;           // optional extension field; "" when absent
  std::optional<Position> position;
  std::optional<Configuration> configuration;
  std::optional<std::vector<Diagnostic>> diagnostics;
  std::optional<Connectivity> connectivity;
};

/// Parses the `data` of an ingress.iot-telemetry event. The schema has been
/// checked by the processor; this still refuses what it cannot use.
Result<Reading> parse_reading(std::string_view data_json);

/// Severity rank for "worst diagnostic" (none < info < warning < error < critical).
int severity_rank(std::string_view severity);
inline constexpr std::string_view kSeverities[] = {"info", "warning", "error", "critical"};
inline constexpr std::string_view kOperationalStates[] = {"RUNNING", "PARKED", "CHARGING", "OFF"};

std::int64_t to_ms(std::string_view rfc3339_text, bool& ok);

}  // namespace caas::telemetry
