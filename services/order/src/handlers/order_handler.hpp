#pragma once
// The order service's event handlers.
//
// Ordering (README "Ordering and replay"): every input of an order is applied
// from ONE log, caas.order.commands.v1, in partition order. API commands are
// written there by the receiving replica; Factory events arrive on
// caas.factory.events.v1 and are *sequenced* onto the command topic by the
// partition owner (a copy with a derived id, same type and data). Applying
// everything from one partition log makes the result independent of how the
// consumer interleaves two topics, so a replay (lost store, new owner, the
// read-model replica) reaches the same orders field by field.
//
// One handler type serves two roles:
//   owner    — group "caas-order", store $CAAS_DATA_DIR/order: applies, emits
//              events through the outbox, counts metrics, sequences factory events;
//   replica  — group "order-view-<instance>", store $CAAS_DATA_DIR/order-view:
//              applies the same inputs the same way, emits nothing (the read model).

#include "domain/state_machine.hpp"

#include <caas/events/schema_registry.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/event_emitter.hpp>
#include <caas/service/event_processor.hpp>
#include <caas/store/state_store.hpp>

#include <memory>
#include <string>

namespace caas::order {

inline constexpr const char* kCommandTopic = "caas.order.commands.v1";
inline constexpr const char* kOrderEventsTopic = "caas.order.events.v1";
inline constexpr const char* kFactoryCommandsTopic = "caas.factory.commands.v1";
inline constexpr const char* kFactoryEventsTopic = "caas.factory.events.v1";
inline constexpr const char* kEventSource = "caas/order";

/// The service's domain metrics (owner only), created once.
struct OrderProbe {
  explicit OrderProbe(observability::Metrics& m);
  prometheus::Counter& created;
  prometheus::Family<prometheus::Counter>& transitions;  // {from,to}
  prometheus::Family<prometheus::Counter>& illegal;      // {source}
  prometheus::Counter& deadline_expiries;
  prometheus::Family<prometheus::Gauge>& by_state;  // {state}
  prometheus::Counter& sequenced;
};

enum class HandlerRole { owner, replica };

class OrderHandler {
 public:
  /// `probe` may be null (replica).
  OrderHandler(HandlerRole role, store::StateStore& store, const events::SchemaRegistry& schemas, Policy policy,
               observability::Logger log, OrderProbe* probe);

  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn);

 private:
  service::HandlerOutcome sequence_factory_event(const service::ConsumedEvent& e, store::WriteTxn& txn);
  service::HandlerOutcome apply(const service::ConsumedEvent& e, store::WriteTxn& txn);
  bool enqueue_events(const Context& ctx, const std::vector<Emitted>& emitted, store::WriteTxn& txn);

  HandlerRole role_;
  store::StateStore& store_;
  service::EventEmitter emitter_;  // validates and builds what the owner emits
  Policy policy_;
  observability::Logger log_;
  OrderProbe* probe_;
};

}  // namespace caas::order
