#pragma once
// caas.order.events.v1 (key order id): order.delivered links a VIN to its
// customer. Read whole by every replica in its own group; a later delivery
// (resale) wins, an earlier one arriving late does not move the owner back.

#include "store/ota_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_processor.hpp>

namespace caas::ota {

class Catalogue;

class DeliveryHandler {
 public:
  DeliveryHandler(OtaStore& store, const Catalogue& catalogue, observability::Logger log)
      : store_(store), catalogue_(catalogue), log_(std::move(log)) {}
  service::HandlerOutcome operator()(const service::ConsumedEvent& e, store::WriteTxn& txn);

 private:
  OtaStore& store_;
  const Catalogue& catalogue_;
  observability::Logger log_;
};

}  // namespace caas::ota
