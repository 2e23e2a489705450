#pragma once
// The handler of caas.order.events.v1 and caas.ota.events.v1 (consumer
// thread): turns a customer milestone or an OTA outcome (activated,
// deactivated, escalated) into one pending delivery per channel, in the processor's atomic
// write, or — when the delivery log already has that (event, channel) — into
// notification.suppressed-duplicate and nothing else. Planned deliveries are
// handed to the dispatchers only once that write is committed
// (EventProcessorOptions::on_applied_committed).

#include "app/probe.hpp"
#include "domain/catalogue.hpp"
#include "domain/delivery.hpp"
#include "store/notification_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_emitter.hpp>
#include <caas/service/event_processor.hpp>

#include <functional>
#include <vector>

namespace caas::notification {

class Planner {
 public:
  using Handoff = std::function<void(const PendingDelivery&)>;
  Planner(NotificationStore& store, const service::EventEmitter& emitter, Probe& probe, observability::Logger log,
          std::vector<Channel> configured_channels, Handoff handoff);

  service::HandlerOutcome operator()(const service::ConsumedEvent& event, store::WriteTxn& txn);
  /// Hands what the last call planned to the dispatchers (after its commit).
  void committed();

 private:
  NotificationStore& store_;
  const service::EventEmitter& emitter_;
  Probe& probe_;
  observability::Logger log_;
  std::vector<Channel> configured_;
  Handoff handoff_;
  std::vector<PendingDelivery> staged_;  // consumer thread only
};

}  // namespace caas::notification
