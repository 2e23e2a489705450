#pragma once
// caas.ingress.iot-telemetry.v1 (key VIN, one record per reading) -> the
// vehicle's latest state, timeline, connectivity log, deadline index and
// vehicle.* events, in one atomic write per reading.
//
// Two layers of dedup: the processor drops a redelivered record by event id
// (the ingress derives it from the webhook-id, so a partner's retry of a
// whole batch is one id); the vehicle's (vin, seq) window drops the same
// reading delivered again in another batch.

#include "app/probe.hpp"
#include "domain/vehicle.hpp"
#include "handlers/vehicle_guard.hpp"
#include "store/vehicle_writer.hpp"

#include <caas/events/time.hpp>
#include <caas/observability/logger.hpp>
#include <caas/service/event_emitter.hpp>
#include <caas/service/event_processor.hpp>

namespace caas::telemetry {

class ReadingHandler {
 public:
  ReadingHandler(TelemetryStore& store, const Policy& policy, const Limits& limits,
                 const service::EventEmitter& emitter, Probe& probe, VehicleGuard& guard, observability::Logger log);

  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn);
  /// The processor committed the last applied record (metrics, guard).
  void committed();

 private:
  TelemetryStore& store_;
  const Policy& policy_;
  const Limits& limits_;
  const service::EventEmitter& emitter_;
  Probe& probe_;
  VehicleGuard& guard_;
  observability::Logger log_;
  // Staged by the last call, published once committed.
  std::string_view staged_verdict_;
  std::int64_t staged_received_ms_ = 0;
  std::vector<std::string_view> staged_events_;
};

}  // namespace caas::telemetry
