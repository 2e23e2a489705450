#pragma once
// caas.ota.events.v1, caas.billing.events.v1, caas.support.tickets.v1 (this
// service's own output): records the ids already on those topics, so that a
// store rebuilt from the log does not emit a billing event (or an outcome, or
// a ticket) a second time. The main processor starts only once this one has
// read them to their end (StartGate).

#include "store/ota_store.hpp"

#include <caas/service/event_processor.hpp>

namespace caas::ota {

class EmittedHandler {
 public:
  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn) const {
    if (e.envelope.source == "caas/ota-engine") txn.put(keys::emitted(e.envelope.id), "");
    return service::HandlerOutcome::applied();
  }
};

}  // namespace caas::ota
