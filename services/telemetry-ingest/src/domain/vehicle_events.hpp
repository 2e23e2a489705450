#pragma once
// The events of caas.vehicle.events.v1 (proto-schemas/vehicle.*.v1.json):
// their types, data and deterministic ids. Pure.
//
// Ids are name-based (caas::events::derive_event_id) over the facts that
// cause the event — (vin, seq) of the reading, or (vin, deadline, seq) for a
// silence — so reprocessing the same readings (redelivery, restart, a wiped
// store replaying) emits the same ids, which every consumer drops.

#include "domain/reading.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace caas::telemetry {

inline constexpr std::string_view kTelemetryTopic = "caas.ingress.iot-telemetry.v1";
inline constexpr std::string_view kOrderEventsTopic = "caas.order.events.v1";
inline constexpr std::string_view kVehicleEventsTopic = "caas.vehicle.events.v1";
inline constexpr std::string_view kEventSource = "caas/telemetry-ingest";

inline constexpr std::string_view kTypeOnline = "vehicle.online";
inline constexpr std::string_view kTypeOffline = "vehicle.offline";
inline constexpr std::string_view kTypeConfigurationReported = "vehicle.configuration-reported";
inline constexpr std::string_view kTypeDiagnosticRaised = "vehicle.diagnostic-raised";
inline constexpr std::string_view kTypeDiagnosticCleared = "vehicle.diagnostic-cleared";
inline constexpr std::string_view kTypeOperationalStateChanged = "vehicle.operational-state-changed";

std::string format_ms(std::int64_t ms);  // RFC 3339, milliseconds, UTC

/// `id_basis` makes the id unique within the type (vin first).
std::string vehicle_event_id(std::string_view type, std::string_view id_basis);

std::string online_data(const std::string& vin, std::int64_t online_since_ms, std::uint64_t seq,
                        std::int64_t offline_since_ms, bool corrects_offline, const std::string& platform);
std::string offline_data(const std::string& vin, std::int64_t offline_since_ms, const std::string& last_seen,
                         std::uint64_t last_seq, std::int64_t timeout_ms, const std::string& platform);
std::string configuration_data(const Reading& r, const Configuration& parameters,
                               const std::vector<std::string>& changed);
std::string diagnostic_data(const Reading& r, const Diagnostic& d, std::string_view previous_severity);
std::string operational_state_data(const Reading& r, const std::string& previous_state);

/// A double as JSON (shortest text that reads back the same).
std::string json_number(double v);

}  // namespace caas::telemetry
