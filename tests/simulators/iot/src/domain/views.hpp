#pragma once
// The JSON documents the simulated API IoT writes: the status answer (the
// contract the OTA engine reads, README "GET status"), the command-status
// webhook body (DESIGN.md §2, accepted field for field by the
// webhook-ingress), and the control API's views.

#include "domain/network.hpp"
#include "domain/telemetry.hpp"

#include <string>

namespace caas::iot_sim {

/// GET /api/v1/vehicles/{vin}/status.
std::string status_json(const Vehicle& v, const std::vector<const CommandRecord*>& pending, TimePoint now);

/// {"command_id","vin","time","result","error_code","reported_parameters"}.
std::string command_status_body(const Ack& ack);

/// 202 of POST …/configuration: {"command_id","vin","status","received_at"}
/// plus "duplicate":true for a repeated command id.
std::string command_accepted_json(const CommandRecord& c, bool duplicate);

/// 202 of POST …/display-messages: {"message_id","vin","status":"ACCEPTED"} (+ "duplicate":true).
std::string message_accepted_json(const std::string& vin, const std::string& message_id, bool duplicate);

/// /control/vehicles entry: the status document plus online, the telemetry
/// counters (next_seq, last_taken_seq, delivered_seq), the last reading taken
/// and the offline periods.
void write_control_vehicle(JsonWriter& w, const Vehicle& v, const std::vector<const CommandRecord*>& pending,
                           const OutgoingReading* last_reading, TimePoint now);

/// /control/commands entry.
void write_control_command(JsonWriter& w, const CommandRecord& c);

/// /control/display-messages entry.
void write_control_message(JsonWriter& w, const DisplayMessage& m);

/// /control/offline-periods entry: {"vin","online","periods":[{"from","to"|null}]}.
void write_offline_periods(JsonWriter& w, const Vehicle& v);

}  // namespace caas::iot_sim
