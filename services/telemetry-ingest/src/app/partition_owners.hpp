#pragma once
// Keeps the set of telemetry partitions this replica serves up to date (see
// domain/ownership.hpp): once per interval, the group's committed offsets
// (a consumer that is in the group's name but never subscribes, so it does
// not take part in the assignment) against the offsets in the store.

#include "app/periodic_thread.hpp"
#include "app/probe.hpp"

#include <caas/kafka/config.hpp>
#include <caas/kafka/consumer.hpp>
#include <caas/observability/logger.hpp>
#include <caas/store/state_store.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace caas::telemetry {

class PartitionOwners {
 public:
  PartitionOwners(const kafka::ClientConfig& client, std::string group_id, std::string topic, int partitions,
                  const store::StateStore& store, Probe& probe, observability::Logger log,
                  std::chrono::milliseconds interval);
  ~PartitionOwners();
  PartitionOwners(const PartitionOwners&) = delete;
  PartitionOwners& operator=(const PartitionOwners&) = delete;

  void start();
  void stop();
  /// One round now (false when the group's offsets could not be read).
  bool refresh();

  bool known() const;  // at least one round succeeded
  bool serves(std::int32_t partition) const;
  bool serves_all() const;

 private:
  std::unique_ptr<kafka::Consumer> consumer_;
  std::string topic_;
  int partitions_;
  const store::StateStore& store_;
  Probe& probe_;
  observability::Logger log_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  bool known_ = false;
  std::vector<bool> served_;
  PeriodicThread thread_;  // last: stopped before the members it uses go
};

}  // namespace caas::telemetry
