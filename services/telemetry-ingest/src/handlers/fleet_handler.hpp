#pragma once
// caas.vehicle.events.v1 (the whole topic, a consumer group per replica) ->
// the fleet view: fl/<vin> and the counters of GET /api/v1/fleet/summary and
// the vehicles_known / vehicles_online / vehicle_connectivity_rate gauges.
// See domain/fleet.hpp for why the summary comes from this log.

#include "app/probe.hpp"
#include "store/telemetry_store.hpp"

#include <caas/service/event_processor.hpp>

#include <mutex>
#include <optional>

namespace caas::telemetry {

class FleetHandler {
 public:
  FleetHandler(TelemetryStore& store, Probe& probe) : store_(store), probe_(probe) {}
  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn);
  /// The processor committed the last applied event: publish its counters.
  void committed();
  /// The counters as last committed (the API reads them).
  FleetCounters counters() const;

 private:
  TelemetryStore& store_;
  Probe& probe_;
  mutable std::mutex mutex_;
  std::optional<FleetCounters> current_;  // cache of the committed counters
  std::optional<FleetCounters> staged_;
};

}  // namespace caas::telemetry
