#include "handlers/fleet_handler.hpp"

#include "domain/fleet.hpp"

namespace caas::telemetry {

using service::HandlerOutcome;

HandlerOutcome FleetHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  staged_.reset();
  const std::string vin = e.record.key().empty() ? e.envelope.subject : std::string(e.record.key());
  const auto before = store_.fleet_entry(vin);
  auto after = fleet_apply(before, e.envelope.type, e.envelope.data);
  if (!after || (before && *after == *before)) return HandlerOutcome::applied();
  // Counters are read from the store, not the cache: the processor thread is
  // their only writer and each batch is committed before the next event.
  FleetCounters counters = store_.counters();
  fleet_count(counters, before, *after);
  txn.put(keys::fleet(vin), encode_fleet_entry(*after));
  txn.put(std::string(keys::kFleetCounters), encode_counters(counters));
  staged_ = std::move(counters);
  return HandlerOutcome::applied();
}

void FleetHandler::committed() {
  if (!staged_) return;
  probe_.fleet(*staged_);
  std::lock_guard lock(mutex_);
  current_ = std::move(staged_);
  staged_.reset();
}

FleetCounters FleetHandler::counters() const {
  {
    std::lock_guard lock(mutex_);
    if (current_) return *current_;
  }
  return store_.counters();
}

}  // namespace caas::telemetry
