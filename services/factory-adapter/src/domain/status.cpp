#include "domain/status.hpp"

namespace caas::factory {

bool is_active(FactoryStatus s) noexcept {
  return s != FactoryStatus::arrived_at_dealership;
}

bool is_watched_for_silence(FactoryStatus s) noexcept {
  return s == FactoryStatus::ordered || s == FactoryStatus::in_production;
}

bool is_legal_move(FactoryStatus from, FactoryStatus to) noexcept {
  if (rank(to) > rank(from)) return true;
  return from == FactoryStatus::quality_check && to == FactoryStatus::in_production;
}

std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::duplicate:
      return "duplicate";
    case Verdict::applied:
      return "applied";
    case Verdict::not_applied:
      return "not_applied";
  }
  return "not_applied";
}

const StatusEntry* StatusState::find(FactoryStatus status, std::int64_t ts_ms) const {
  for (const auto& e : history) {
    if (e.status == status && e.ts_ms == ts_ms) return &e;
  }
  return nullptr;
}

StatusEntry* StatusState::find(FactoryStatus status, std::int64_t ts_ms) {
  return const_cast<StatusEntry*>(static_cast<const StatusState&>(*this).find(status, ts_ms));
}

StatusDecision decide_status(const StatusState& state, FactoryStatus status, std::int64_t ts_ms, bool ignore_existing) {
  StatusDecision d;
  d.previous = state.current;
  if (!ignore_existing && state.find(status, ts_ms) != nullptr) {
    d.verdict = Verdict::duplicate;
    d.reason = "same (order_id, status, timestamp) already recorded";
    return d;
  }
  if (!state.current) {
    d.verdict = Verdict::applied;
    d.reason = "first status";
    return d;
  }
  if (ts_ms <= state.current_ts_ms) {
    d.verdict = Verdict::not_applied;
    d.reason = "not newer than the current status " + std::string(to_string(*state.current));
    return d;
  }
  if (status == *state.current) {
    d.verdict = Verdict::not_applied;
    d.reason = "same status as the current one";
    return d;
  }
  if (!is_legal_move(*state.current, status)) {
    d.verdict = Verdict::not_applied;
    d.reason = "backward move " + std::string(to_string(*state.current)) + " -> " + std::string(to_string(status)) +
               " is not allowed";
    return d;
  }
  d.verdict = Verdict::applied;
  d.reason = rank(status) < rank(*state.current) ? "rework after failed quality check" : "forward";
  return d;
}

void record_status(StatusState& state, StatusEntry entry, const StatusDecision& decision) {
  if (decision.verdict == Verdict::duplicate) return;
  entry.applied = decision.verdict == Verdict::applied;
  if (entry.applied) {
    state.current = entry.status;
    state.current_ts_ms = entry.ts_ms;
    state.current_timestamp = entry.timestamp;
  }
  if (auto* existing = state.find(entry.status, entry.ts_ms); existing != nullptr) {
    // Reconciliation upgrading an entry first recorded with applied=false.
    existing->applied = existing->applied || entry.applied;
    return;
  }
  state.history.push_back(std::move(entry));
}

}  // namespace caas::factory
