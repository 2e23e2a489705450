#include "app/projection_handler.hpp"

#include "domain/events.hpp"
#include "store/projection.hpp"

namespace caas::factory {

using service::HandlerOutcome;

namespace {
// What a section of FactoryOrderLocks reports: the revision it wrote (0 = none).
struct Written {
  std::uint64_t written_rev = 0;
};
}  // namespace

HandlerOutcome ProjectionHandler::operator()(const service::ConsumedEvent& event, store::WriteTxn& txn) {
  recorded_.clear();  // staged by an earlier call whose commit did not happen
  const auto& e = event.envelope;
  const auto at_ms = rfc3339_ms(e.time);
  if (!at_ms) return HandlerOutcome::permanent("envelope time is not RFC 3339");
  if (e.type == kOrderPlaced || e.type == kOrderRejected || e.type == kSubmissionFailed) return outcome(e, *at_ms, txn);
  if (e.type == kStatusChanged) return status(e, *at_ms, txn);
  return HandlerOutcome::applied();  // factory.discrepancy-found: nothing to project (reports are not rebuilt)
}

HandlerOutcome ProjectionHandler::outcome(const events::Envelope& e, std::int64_t at_ms, store::WriteTxn& txn) {
  auto record = placement_from_event(e.type, e.data, at_ms);
  if (!record) return HandlerOutcome::permanent(e.type + " without the fields of an outcome");
  std::string customer_id;
  if (auto known = store_.placement(record->order_id)) {
    customer_id = known->customer_id;  // written at emission time (or by an earlier replay): nothing to add
  } else {
    // A pending record can only exist when the command was consumed first;
    // it says what the event does not, and the outcome ends it.
    if (auto pending = store_.pending(record->order_id)) {
      complete_placement(*record, pending->idempotency_key, pending->customer_id);
      AdapterStore::remove_pending(txn, record->order_id);
    }
    customer_id = record->customer_id;
    AdapterStore::put(txn, *record);
    log_.debug("placement outcome rebuilt from the event log",
               {{"order_id", record->order_id}, {"outcome", record->outcome}, {"event_id", e.id}});
  }
  if (e.type == kOrderPlaced) factory_order(e, at_ms, customer_id, txn);
  return HandlerOutcome::applied();
}

void ProjectionHandler::factory_order(const events::Envelope& e, std::int64_t at_ms, std::string_view customer_id,
                                      store::WriteTxn& txn) {
  auto placed = factory_order_from_placed(e.data, at_ms, e.correlationid);
  if (!placed) return;  // placement_from_event accepted the same data: cannot happen
  placed->customer_id = std::string(customer_id);
  locks_.handler_section(store_, placed->factory_order_id, [&]() -> Written {
    if (!store_.factory_order(placed->factory_order_id)) {
      AdapterStore::put(txn, *placed);  // with the order id -> factory order id map
      recorded_.push_back(placed->factory_order_id);
      return {placed->rev};
    }
    if (store_.factory_order_id_for(placed->order_id) != placed->factory_order_id) {
      AdapterStore::put_order_map(txn, placed->order_id, placed->factory_order_id);
    }
    return {};
  });
}

HandlerOutcome ProjectionHandler::status(const events::Envelope& e, std::int64_t at_ms, store::WriteTxn& txn) {
  auto seen = status_from_event(e.data, at_ms);
  if (!seen) return HandlerOutcome::permanent("factory.status-changed without a usable status or timestamp");
  locks_.handler_section(store_, seen->factory_order_id, [&]() -> Written {
    auto rec = store_.factory_order(seen->factory_order_id);
    if (!rec) {
      // factory.order-placed precedes every status of the order on the same
      // partition, so this is a log someone edited: keep the history anyway.
      log_.warn("status for a factory order the log never placed",
                {{"order_id", seen->order_id}, {"factory_order_id", seen->factory_order_id}, {"event_id", e.id}});
      rec = FactoryOrder{};
      rec->factory_order_id = seen->factory_order_id;
      rec->order_id = seen->order_id;
      rec->correlation_id = e.correlationid;
    }
    if (!project_status(*rec, seen->entry)) return {};
    ++rec->rev;
    AdapterStore::put(txn, *rec);
    return {rec->rev};
  });
  return HandlerOutcome::applied();
}

}  // namespace caas::factory
