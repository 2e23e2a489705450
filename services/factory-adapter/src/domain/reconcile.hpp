#pragma once
// Discrepancy detection between our status history of a factory order and
// the Factory's answer to GET /api/v1/orders/{id}/status (polling fallback and
// the daily reconciliation of seed 000). Pure.
//
// The Factory is the authority. Walking its status_history in time order, every
// entry we do not hold as applied is evaluated with the normal status rule
// (decide_status) against our state as it evolves: entries that apply become
// corrections with applied=true (emitted as factory.status-changed with source
// poll|reconciliation), older ones are filled in with applied=false so the
// order timeline is complete. A discrepancy exists when our current status
// differs from the Factory's, or when an applied correction was needed (we
// were behind even if the status name matches, e.g. a rework cycle missed).
// If after the corrections we still differ (the Factory reports a status
// behind ours, or one missing from its own history) the discrepancy is
// unresolved and needs a person (support ticket).

#include "domain/status.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::factory {

struct FactoryObservation {
  FactoryStatus status = FactoryStatus::ordered;
  std::string timestamp;
  std::int64_t ts_ms = 0;
};

/// The Factory's view of one order.
struct FactorySnapshot {
  FactoryStatus status = FactoryStatus::ordered;
  std::vector<FactoryObservation> history;  // any order; sorted by the planner
};

struct Correction {
  FactoryObservation observation;
  StatusDecision decision;  // applied or not_applied
  bool upgrade = false;     // an entry we held with applied=false now applies
};

struct ReconcilePlan {
  bool discrepancy = false;
  bool resolved = true;  // our current status equals the Factory's after the corrections
  std::optional<FactoryStatus> caas_before;
  FactoryStatus factory_status = FactoryStatus::ordered;
  std::optional<FactoryStatus> caas_after;
  std::vector<Correction> corrections;

  std::size_t applied_count() const;
  /// factory.discrepancy-found `action`: corrected | ticket-opened | none.
  std::string_view action() const;
};

ReconcilePlan plan_reconciliation(const StatusState& ours, const FactorySnapshot& theirs);

/// Applies the plan's corrections to `state` as entries of `source`
/// (poll|reconciliation) recorded at `now_ms`.
void apply_plan(StatusState& state, const ReconcilePlan& plan, std::string_view source, std::int64_t now_ms);

}  // namespace caas::factory
