#pragma once
// "Now", as far as a partition's readings can tell. Pure.
//
// A deadline has passed when the data says so, not when the wall clock
// says so while the readings that would refute it are still waiting in the
// partition (a backlog after an outage, a slow replica). So the sweeper
// compares a deadline with the receipt time of the newest reading applied
// from the vehicle's partition, advanced by the wall-clock time since it was
// applied: with no backlog that is the wall clock (an idle partition's
// vehicles still go offline on time); while a backlog is worked through it
// is the backlog's own time, and nobody is declared silent whose next
// reading is still queued.

#include <algorithm>
#include <cstdint>
#include <optional>

namespace caas::telemetry {

struct PartitionHeard {
  std::int64_t received_ms = 0;    // newest receipt time applied from the partition
  std::int64_t applied_at_ms = 0;  // wall clock when it was applied
};

inline std::int64_t silence_clock(const std::optional<PartitionHeard>& heard, std::int64_t now_ms) {
  if (!heard) return now_ms;  // nothing applied since start: the sweeper waits for caught-up anyway
  return std::min(now_ms, heard->received_ms + std::max<std::int64_t>(0, now_ms - heard->applied_at_ms));
}

}  // namespace caas::telemetry
