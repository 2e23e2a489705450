#pragma once
// caas.vehicle.events.v1 (key VIN, from telemetry-ingest): vehicle.online
// resumes an activation waiting for the vehicle; vehicle.offline is noted;
// vehicle.configuration-reported can confirm an APPLIED without reported values.

#include "handlers/handler_base.hpp"

namespace caas::ota {

class VehicleEventsHandler {
 public:
  explicit VehicleEventsHandler(HandlerDeps& deps) : deps_(deps) {}
  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged);

 private:
  HandlerDeps& deps_;
};

}  // namespace caas::ota
