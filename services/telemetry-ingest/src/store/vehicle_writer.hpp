#pragma once
// Stages a domain Outcome into a WriteTxn: vehicle record, timeline entry,
// connectivity intervals, deadline index, and the events (through the
// EventEmitter, so they are schema-checked and land in the outbox in the
// same atomic write as the state that justifies them). Shared by the reading
// handler and the deadline sweeper, the two writers of a vehicle.

#include "store/telemetry_store.hpp"

#include <caas/core/result.hpp>
#include <caas/service/event_emitter.hpp>

#include <optional>
#include <string>

namespace caas::telemetry {

struct Limits {
  std::uint64_t timeline_max = 1000;  // CAAS_TELEMETRY_TIMELINE_MAX
  std::uint64_t intervals_max = 500;  // CAAS_TELEMETRY_CONNECTIVITY_MAX
};

struct StageContext {
  const TelemetryStore& store;
  const service::EventEmitter& emitter;
  const Limits& limits;
  std::string correlation_id;  // the input's, or empty (the event id)
  std::string causation_id;    // the input event's id, or empty (a silence)
};

/// `before` is the record as stored (nullopt: a new vehicle); `reading` is
/// set when the outcome came from one (its timeline entry). Returns the
/// record written, or the error of an event that failed its schema (a bug).
Result<VehicleRecord> stage_outcome(const StageContext& ctx, store::WriteTxn& txn,
                                    const std::optional<VehicleRecord>& before, const Outcome& outcome,
                                    const Reading* reading);

}  // namespace caas::telemetry
