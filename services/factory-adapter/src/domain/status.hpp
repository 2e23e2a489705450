#pragma once
// Factory manufacturing statuses and the rule that decides what an observed
// status does to a factory order (the contract of issue 4):
//   * a duplicate — same (status, timestamp) already in the history — does
//     nothing at all (no event; counted and logged by the caller);
//   * a status whose timestamp is not newer than the last applied one is
//     recorded with applied=false and never moves the state back;
//   * newer and forward (skips allowed: a missed webhook) is applied;
//   * newer QUALITY_CHECK -> IN_PRODUCTION is the one legal backward move
//     (QC failed, rework) and is applied;
//   * newer but the same status, or any other backward move, is recorded
//     with applied=false (nothing to change / not a legal transition).
// Pure: no clocks, no I/O.

#include <caas/events/factory_status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::factory {

// The statuses themselves (names, order) are the event contract's
// (caas/events/factory_status.hpp); the rules below are the adapter's.
using events::FactoryStatus;
using events::parse_factory_status;
using events::rank;
using events::to_string;

/// Placed and not yet at the dealership: reconciliation checks these.
bool is_active(FactoryStatus s) noexcept;
/// Seed 000 "Missed Webhook Notifications": only these are watched for silence.
bool is_watched_for_silence(FactoryStatus s) noexcept;
/// Forward moves (skips allowed) and QUALITY_CHECK -> IN_PRODUCTION.
bool is_legal_move(FactoryStatus from, FactoryStatus to) noexcept;

/// Where an observation came from (factory.status-changed `source`, plus
/// "placement" for the ORDERED entry written when the Factory answered 201).
inline constexpr std::string_view kSourceWebhook = "webhook";
inline constexpr std::string_view kSourcePoll = "poll";
inline constexpr std::string_view kSourceReconciliation = "reconciliation";
inline constexpr std::string_view kSourcePlacement = "placement";

struct StatusEntry {
  FactoryStatus status = FactoryStatus::ordered;
  std::string timestamp;   // the Factory's text, as received
  std::int64_t ts_ms = 0;  // parsed, for ordering and dedup
  std::string source;      // webhook | poll | reconciliation | placement
  bool applied = false;
  std::int64_t recorded_at_ms = 0;
  std::string ingress_event_id;  // webhook entries: the ingress envelope id
};

/// The status history of one factory order and its current (applied) status.
struct StatusState {
  std::vector<StatusEntry> history;  // in the order observed
  std::optional<FactoryStatus> current;
  std::int64_t current_ts_ms = 0;
  std::string current_timestamp;

  /// The entry with this (status, instant), if any.
  const StatusEntry* find(FactoryStatus status, std::int64_t ts_ms) const;
  StatusEntry* find(FactoryStatus status, std::int64_t ts_ms);
};

enum class Verdict { duplicate, applied, not_applied };
std::string_view to_string(Verdict v) noexcept;

struct StatusDecision {
  Verdict verdict = Verdict::not_applied;
  std::optional<FactoryStatus> previous;  // current status before this observation
  std::string reason;                     // for logs
};

/// Decides what (status, ts_ms) does to `state` (see the header comment).
/// `ignore_existing` skips the duplicate check (reconciliation re-evaluates
/// entries recorded earlier with applied=false).
StatusDecision decide_status(const StatusState& state, FactoryStatus status, std::int64_t ts_ms,
                             bool ignore_existing = false);

/// Records `entry` in `state` according to `decision` (no-op for duplicates):
/// appends it (or upgrades an existing not-applied entry) and moves `current`
/// when applied.
void record_status(StatusState& state, StatusEntry entry, const StatusDecision& decision);

}  // namespace caas::factory
