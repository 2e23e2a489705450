#pragma once
// The adapter's state inside the service's StateStore (column family `state`).
//
// Key layout (all values compact JSON):
//   pl/pending/<order_id>    PendingPlacement: a placement still to make or to retry
//   pl/done/<order_id>       PlacementRecord: the final outcome (placed | rejected | failed)
//   fo/<factory_order_id>    FactoryOrder: our order id, status history, current
//                            status, last update / last poll times (the poll
//                            schedule is derived from these), revision
//   ord/<order_id>           factory order id (order id -> factory order id)
//   rc/report/<started_ms, 16 digits>/<run_id>   ReconciliationReport
//   rc/next-run              next daily reconciliation time (ms since epoch)
//
// Writers: the place-order handler creates pl/pending; the placement worker
// owns pl/pending until it removes it in the same batch that writes pl/done,
// fo/, ord/ and the outcome events; fo/ is then changed by the status handler
// and by the reconciler, serialised by FactoryOrderLocks (app layer).

#include "domain/reconcile.hpp"
#include "domain/status.hpp"

#include <caas/store/state_store.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace caas::factory {

struct PendingPlacement {
  std::string order_id;
  std::string order_number;
  std::string idempotency_key;
  std::string customer_id;
  std::string correlation_id;
  std::string causation_id;  // the factory.place-order event id
  std::string request_body;  // seed-000 POST /api/v1/orders body
  int attempts = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t next_attempt_at_ms = 0;
  std::int64_t first_error_at_ms = 0;
  std::int64_t elapsed_ms = 0;  // attempts + backoff waits (breaker waits excluded)
  std::string last_error;
  std::string last_error_class;
  int last_http_status = 0;
};

struct PlacementRecord {
  std::string order_id;
  std::string idempotency_key;
  std::string customer_id;
  std::string outcome;  // placed | rejected | failed
  std::string factory_order_id;
  std::string error_class;
  std::string last_error;
  std::string ticket_id;
  int attempts = 0;
  int http_status = 0;
  bool critical = false;
  std::int64_t finished_at_ms = 0;
};

struct FactoryOrder {
  std::string factory_order_id;
  std::string order_id;
  std::string customer_id;
  std::string correlation_id;
  std::int64_t placed_at_ms = 0;
  std::int64_t last_update_ms = 0;  // last time a new status was observed (receipt time)
  std::int64_t last_polled_ms = 0;
  std::uint64_t rev = 0;  // incremented by every write (see FactoryOrderLocks)
  StatusState status;
};

struct ReportEntry {
  std::string order_id;
  std::string factory_order_id;
  std::string caas_status;
  std::string factory_status;
  std::string action;  // corrected | ticket-opened | none
  int corrections = 0;
  std::string details;
};

struct ReconciliationReport {
  std::string run_id;
  std::string trigger;  // poll | daily-reconciliation | manual
  std::int64_t started_at_ms = 0;
  std::int64_t finished_at_ms = 0;
  int orders_checked = 0;
  int orders_unreachable = 0;
  std::vector<ReportEntry> discrepancies;
};

std::string to_json(const PendingPlacement& p);
std::string to_json(const PlacementRecord& p);
std::string to_json(const FactoryOrder& f);
std::string to_json(const ReconciliationReport& r);
std::optional<PendingPlacement> pending_from_json(std::string_view json);
std::optional<PlacementRecord> placement_from_json(std::string_view json);
std::optional<FactoryOrder> factory_order_from_json(std::string_view json);
std::optional<ReconciliationReport> report_from_json(std::string_view json);

/// Typed reads of the adapter's keys and typed writes into a WriteTxn.
class AdapterStore {
 public:
  explicit AdapterStore(store::StateStore& store) : store_(store) {}

  std::optional<PendingPlacement> pending(std::string_view order_id) const;
  /// Pending placements in order-id order, at most `limit`.
  std::vector<PendingPlacement> pendings(std::size_t limit) const;
  std::optional<PlacementRecord> placement(std::string_view order_id) const;
  /// Final outcomes, optionally only the failed ones (rejected | failed).
  std::vector<PlacementRecord> placements(bool failed_only, std::size_t limit) const;
  std::optional<FactoryOrder> factory_order(std::string_view factory_order_id) const;
  std::optional<std::string> factory_order_id_for(std::string_view order_id) const;
  /// Visits every factory order until `fn` returns false.
  void for_each_factory_order(const std::function<bool(const FactoryOrder&)>& fn) const;
  /// Newest first.
  std::vector<ReconciliationReport> reports(std::size_t limit) const;
  std::optional<std::int64_t> next_reconcile_at() const;

  static void put(store::WriteTxn& txn, const PendingPlacement& p);
  static void remove_pending(store::WriteTxn& txn, std::string_view order_id);
  static void put(store::WriteTxn& txn, const PlacementRecord& p);
  /// Writes the factory order and the order id -> factory order id map.
  static void put(store::WriteTxn& txn, const FactoryOrder& f);
  static void put_order_map(store::WriteTxn& txn, std::string_view order_id, std::string_view factory_order_id);
  static void put(store::WriteTxn& txn, const ReconciliationReport& r);
  static void set_next_reconcile_at(store::WriteTxn& txn, std::int64_t at_ms);
  /// Deletes reports beyond the newest `keep` (bounded storage).
  void prune_reports(store::WriteTxn& txn, std::size_t keep) const;

  store::StateStore& raw() { return store_; }

 private:
  store::StateStore& store_;
};

}  // namespace caas::factory
