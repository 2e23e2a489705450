#include "domain/schedule.hpp"

namespace caas::factory {

bool is_silent(FactoryStatus current, std::int64_t last_update_ms, std::int64_t now_ms,
               const ScheduleSettings& s) noexcept {
  return is_watched_for_silence(current) && now_ms - last_update_ms > s.stale_after.count();
}

bool poll_due(FactoryStatus current, std::int64_t last_update_ms, std::int64_t last_polled_ms, std::int64_t now_ms,
              const ScheduleSettings& s) noexcept {
  if (!is_silent(current, last_update_ms, now_ms, s)) return false;
  return last_polled_ms <= 0 || now_ms - last_polled_ms >= s.poll_interval.count();
}

std::int64_t next_reconcile_at(std::optional<std::int64_t> stored_next_ms, std::int64_t now_ms,
                               const ScheduleSettings& s) noexcept {
  return stored_next_ms ? *stored_next_ms : now_ms + s.reconcile_interval.count();
}

std::int64_t reconcile_after_run(std::int64_t started_ms, const ScheduleSettings& s) noexcept {
  return started_ms + s.reconcile_interval.count();
}

}  // namespace caas::factory
