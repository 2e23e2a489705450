#pragma once
// caas.ota.commands.v1 (key VIN): ota.request-service and ota.transfer-owner
// from the API; ota.command-posted, ota.status-observed and ota.timer-fired
// from the IoT worker and the timer sweeper.

#include "handlers/handler_base.hpp"

namespace caas::ota {

class CommandsHandler {
 public:
  explicit CommandsHandler(HandlerDeps& deps) : deps_(deps) {}
  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged);

 private:
  service::HandlerOutcome request(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged);
  service::HandlerOutcome transfer(const service::ConsumedEvent& e, store::WriteTxn& txn);
  service::HandlerOutcome observation(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged);
  HandlerDeps& deps_;
};

}  // namespace caas::ota
