#pragma once
// The handler of the service's own log, caas.notification.events.v1: what a
// fresh or lost store gets back before the service may plan anything (the
// StartGate opens when this has read the log to its end):
//   notification.sent / .failed         -> the delivery log entry + history
//   notification.preferences-updated    -> the customer's profile
// Events this process wrote itself are already in the store: re-reading
// them changes nothing.

#include "store/notification_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_processor.hpp>

namespace caas::notification {

class LogProjection {
 public:
  LogProjection(NotificationStore& store, observability::Logger log) : store_(store), log_(std::move(log)) {}
  service::HandlerOutcome operator()(const service::ConsumedEvent& event, store::WriteTxn& txn);

 private:
  NotificationStore& store_;
  observability::Logger log_;
};

}  // namespace caas::notification
