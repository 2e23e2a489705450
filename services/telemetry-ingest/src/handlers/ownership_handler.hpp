#pragma once
// caas.order.events.v1 -> own/<vin> (who may read a vehicle with a customer
// token). order.delivered links a VIN to its customer; every other order
// event is skipped.
//
// The order topic is keyed by order id, so a vehicle's delivery may be on any
// of its partitions, unrelated to the telemetry partition that holds the
// vehicle. Every replica therefore reads the whole order topic in a consumer
// group of its own ("caas-telemetry-ingest-owners-<instance>", like order's
// read model) and keeps the small VIN -> customer map for the whole fleet.
// Two deliveries of one VIN (a resale) may sit on different partitions, so
// their order of arrival is not theirs: the later delivered_at wins.

#include "store/telemetry_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_processor.hpp>

namespace caas::telemetry {

class OwnershipHandler {
 public:
  OwnershipHandler(TelemetryStore& store, observability::Logger log) : store_(store), log_(std::move(log)) {}
  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn);

 private:
  TelemetryStore& store_;
  observability::Logger log_;
};

}  // namespace caas::telemetry
