#include "domain/reconcile.hpp"

#include <algorithm>

namespace caas::factory {

std::size_t ReconcilePlan::applied_count() const {
  return static_cast<std::size_t>(std::count_if(corrections.begin(), corrections.end(), [](const Correction& c) {
    return c.decision.verdict == Verdict::applied;
  }));
}

std::string_view ReconcilePlan::action() const {
  if (!discrepancy) return "none";
  return resolved ? "corrected" : "ticket-opened";
}

ReconcilePlan plan_reconciliation(const StatusState& ours, const FactorySnapshot& theirs) {
  ReconcilePlan plan;
  plan.caas_before = ours.current;
  plan.factory_status = theirs.status;

  auto history = theirs.history;
  std::stable_sort(history.begin(), history.end(),
                   [](const FactoryObservation& a, const FactoryObservation& b) { return a.ts_ms < b.ts_ms; });

  StatusState working = ours;  // evolves as corrections are planned
  for (const auto& obs : history) {
    const StatusEntry* held = working.find(obs.status, obs.ts_ms);
    if (held != nullptr && held->applied) continue;
    auto decision = decide_status(working, obs.status, obs.ts_ms, /*ignore_existing=*/true);
    const bool applies = decision.verdict == Verdict::applied;
    if (held != nullptr && !applies) continue;  // already on the timeline, still not applicable
    Correction c{obs, decision, held != nullptr};
    StatusEntry entry{obs.status, obs.timestamp, obs.ts_ms, "", false, 0, ""};
    record_status(working, std::move(entry), decision);
    plan.corrections.push_back(std::move(c));
  }
  plan.caas_after = working.current;
  plan.resolved = working.current == theirs.status;
  plan.discrepancy = plan.caas_before != theirs.status || plan.applied_count() > 0;
  return plan;
}

void apply_plan(StatusState& state, const ReconcilePlan& plan, std::string_view source, std::int64_t now_ms) {
  for (const auto& c : plan.corrections) {
    StatusEntry entry{
        c.observation.status, c.observation.timestamp, c.observation.ts_ms, std::string(source), false, now_ms, ""};
    record_status(state, std::move(entry), c.decision);
  }
}

}  // namespace caas::factory
