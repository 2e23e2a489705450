#pragma once
// The adapter's records as a projection of its own event log
// caas.factory.events.v1 (retained forever, key = our order id), so that a
// store started empty or lost replays to the same state (DESIGN.md §5).
//
// Pure. A record follows from an event's type, `data` and envelope time
// alone, and the code that EMITS an event derives its store write with the
// same functions (from the data it emits, stamped with the same instant), so
// the write made at emission time and the one the projection makes on replay
// cannot disagree.
//
// Identity of a history entry: (status, timestamp instant) — the key of the
// status dedup rule — not the event id. The source is deliberately not part
// of it: a reconciliation that upgrades an entry first recorded by a webhook
// with applied=false emits the same (status, timestamp) with
// source=reconciliation and applied=true; that is the same observation,
// upgraded in place (record_status does the same at emission time).
//
// What the log does not say: the idempotency key and customer id of a
// placement (factory.place-order carries them; complete_placement adds them
// when the command is replayed) and checks of the Factory that found nothing
// (last_polled only follows checks that emitted a status).

#include "store/adapter_store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::factory {

/// Milliseconds since the epoch of an RFC 3339 text; nullopt if invalid.
std::optional<std::int64_t> rfc3339_ms(std::string_view text);

/// The final outcome an outcome event (order-placed | order-rejected |
/// submission-failed) stands for, finished at `at_ms`, without what only the
/// command knows (see complete_placement). nullopt for other types or data
/// without an order id.
std::optional<PlacementRecord> placement_from_event(std::string_view type, std::string_view data_json,
                                                    std::int64_t at_ms);

/// Adds what the factory.place-order command knows: idempotency key, customer
/// id, and the deterministic ticket id of a rejection. Fills empty fields
/// only; true when something changed.
bool complete_placement(PlacementRecord& record, std::string_view idempotency_key, std::string_view customer_id);

/// The factory order (map + ORDERED entry with source "placement") a
/// factory.order-placed creates at `at_ms`. nullopt for unusable data.
std::optional<FactoryOrder> factory_order_from_placed(std::string_view data_json, std::int64_t at_ms,
                                                      std::string correlation_id);

/// A factory.status-changed: whose it is and the history entry it records.
struct StatusObservation {
  std::string order_id;
  std::string factory_order_id;
  StatusEntry entry;  // recorded_at = the envelope time
};
std::optional<StatusObservation> status_from_event(std::string_view data_json, std::int64_t at_ms);

/// Records an observation whose verdict was already decided (entry.applied):
/// a new (status, instant) is appended, a known one that was not applied and
/// now is gets upgraded, anything else changes nothing (false). An applied
/// entry moves the current status and last_update; a poll/reconciliation
/// entry moves last_polled (both to recorded_at).
bool project_status(FactoryOrder& order, const StatusEntry& entry);

}  // namespace caas::factory
