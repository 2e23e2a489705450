#pragma once
// The adapter's two acting consumers (started once the projection of
// caas.factory.events.v1 has caught up, see adapter_service.hpp):
//   factory.place-order (caas.factory.commands.v1): records a pending
//     placement and wakes the worker — never calls the Factory itself, so
//     consumption is never blocked by Factory retries; for an order with an
//     outcome already, it only completes that outcome (a rebuilt one lacks
//     the idempotency key and customer id);
//   ingress.factory-status (caas.ingress.factory-status.v1, key = factory
//     order id): maps it to our order, dedups, decides "applied", records
//     the history entry and emits factory.status-changed, in the processor's
//     one atomic commit.

#include "app/emitter.hpp"
#include "app/factory_order_locks.hpp"
#include "app/probe.hpp"
#include "store/adapter_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_processor.hpp>

#include <functional>

namespace caas::factory {

class EventHandlers {
 public:
  EventHandlers(AdapterStore& store, const Emitter& emitter, FactoryOrderLocks& locks, Probe& probe,
                observability::Logger log, std::function<void()> placement_queued)
      : store_(store),
        emitter_(emitter),
        locks_(locks),
        probe_(probe),
        log_(std::move(log)),
        placement_queued_(std::move(placement_queued)) {}

  service::HandlerOutcome on_command(const service::ConsumedEvent& event, store::WriteTxn& txn);
  service::HandlerOutcome on_factory_status(const service::ConsumedEvent& event, store::WriteTxn& txn);

 private:
  void complete_outcome(PlacementRecord& done, std::string_view idempotency_key, std::string_view customer_id,
                        store::WriteTxn& txn);

  AdapterStore& store_;
  const Emitter& emitter_;
  FactoryOrderLocks& locks_;
  Probe& probe_;
  observability::Logger log_;
  std::function<void()> placement_queued_;
};

}  // namespace caas::factory
