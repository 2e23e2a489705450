#pragma once
// The projection of the adapter's own event log caas.factory.events.v1
// (retained forever, key = our order id) into its store: outcomes
// (pl/done), the factory order map (fo/, ord/) and the status history, with
// the pure rules of store/projection.hpp.
//
// Runs as its own EventProcessor (group caas-factory-adapter-projection):
// idempotent by event id there, and by content here — the emitting code wrote
// the same record at emission time, so an event whose effect is already in the
// store changes nothing (history entries are identified by (status, timestamp
// instant), outcomes and factory orders by the order). In steady state it
// therefore writes nothing; it matters when the store was started empty or
// lost, which is why nothing else acts before it has caught up.

#include "app/factory_order_locks.hpp"
#include "store/adapter_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_processor.hpp>

#include <string>
#include <utility>
#include <vector>

namespace caas::factory {

class ProjectionHandler {
 public:
  ProjectionHandler(AdapterStore& store, FactoryOrderLocks& locks, observability::Logger log)
      : store_(store), locks_(locks), log_(std::move(log)) {}

  service::HandlerOutcome operator()(const service::ConsumedEvent& event, store::WriteTxn& txn);
  /// Factory orders the last committed event recorded (the processor's
  /// on_applied_committed hands them on); a call drops what a failed commit left.
  std::vector<std::string> take_recorded_factory_orders() { return std::exchange(recorded_, {}); }

 private:
  service::HandlerOutcome outcome(const events::Envelope& e, std::int64_t at_ms, store::WriteTxn& txn);
  void factory_order(const events::Envelope& e, std::int64_t at_ms, std::string_view customer_id, store::WriteTxn& txn);
  service::HandlerOutcome status(const events::Envelope& e, std::int64_t at_ms, store::WriteTxn& txn);

  AdapterStore& store_;
  FactoryOrderLocks& locks_;
  observability::Logger log_;
  std::vector<std::string> recorded_;  // processor thread only
};

}  // namespace caas::factory
