#pragma once
// Which telemetry partitions a replica serves (reads, offline sweeps). Pure.
//
// A replica's store holds the vehicles of every partition it ever owned, but
// only the current owner keeps them up to date. The group's committed offset
// of a partition is what its owner has applied (the processors commit their
// stored offsets to the group every second, as a hint), so a replica serves
// a partition when it has applied at least that much: it is the owner, or
// nobody has moved past what it knows. A replica that lost the partition
// falls behind at the owner's next commit and stops serving it; the new owner
// serves it once its replay has caught up with the committed offset. Two
// replicas serving one partition at the same offset hold the same state and
// emit the same event ids. Window: up to one commit interval (plus the
// sweeper's grace) during which a former owner may still answer.

#include <cstdint>
#include <optional>

namespace caas::telemetry {

/// `stored`: next offset in this replica's store; `committed`: the group's
/// (nullopt = none yet).
inline bool partition_served(std::optional<std::int64_t> stored, std::optional<std::int64_t> committed) {
  if (!committed) return true;  // nobody has applied anything of it yet
  return stored && *stored >= *committed;
}

}  // namespace caas::telemetry
