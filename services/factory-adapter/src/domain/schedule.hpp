#pragma once
// When the adapter polls and reconciles (seed 000 "Missed Webhook
// Notifications"). Every input is a stored time, so the schedule survives a
// crash: nothing lives only in memory. Times are milliseconds since the epoch.

#include "domain/status.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace caas::factory {

struct ScheduleSettings {
  std::chrono::milliseconds stale_after{std::chrono::hours(48)};
  std::chrono::milliseconds poll_interval{std::chrono::hours(4)};
  std::chrono::milliseconds reconcile_interval{std::chrono::hours(24)};
};

/// ORDERED / IN_PRODUCTION with no update for more than `stale_after`.
bool is_silent(FactoryStatus current, std::int64_t last_update_ms, std::int64_t now_ms,
               const ScheduleSettings& s) noexcept;

/// Silent and not polled within the last `poll_interval` (a poll that finds
/// nothing new does not count as an update, so a silent order keeps being
/// polled every interval until the Factory reports progress).
bool poll_due(FactoryStatus current, std::int64_t last_update_ms, std::int64_t last_polled_ms, std::int64_t now_ms,
              const ScheduleSettings& s) noexcept;

/// The next daily reconciliation: the stored time when there is one, else one
/// interval from now (first start).
std::int64_t next_reconcile_at(std::optional<std::int64_t> stored_next_ms, std::int64_t now_ms,
                               const ScheduleSettings& s) noexcept;

/// After a run that started at `started_ms`: the next run time. A run that
/// was very late (service down for days) does not cause a burst of catch-up
/// runs: the next one is one interval after this one.
std::int64_t reconcile_after_run(std::int64_t started_ms, const ScheduleSettings& s) noexcept;

}  // namespace caas::factory
