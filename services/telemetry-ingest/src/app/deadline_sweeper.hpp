#pragma once
// Offline detection by silence. The deadline index (dl/<deadline>/<vin>,
// durable, in deadline order) holds one entry per online vehicle; the
// sweeper reads only its head — the entries whose deadline has passed — so
// its cost follows the vehicles that fall silent, never the fleet size.
//
// The deadline is a fact of the log (domain/vehicle.hpp: last receipt +
// timeout); the service's clock decides when to act on it: at now >=
// deadline + grace, the grace covering the normal processing lag (a reading
// received before the deadline but not yet applied). After a restart the
// same index says which vehicles fell silent while the service was down;
// they go offline at their deadline, with the same event ids a replay makes.
//
// It acts only when the readings' processor has caught up (a backlog being
// replayed is not silence) and only for vehicles of partitions this replica
// serves (app/partition_owners).

#include "app/partition_owners.hpp"
#include "app/periodic_thread.hpp"
#include "app/probe.hpp"
#include "domain/vehicle.hpp"
#include "handlers/vehicle_guard.hpp"
#include "store/vehicle_writer.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_emitter.hpp>

#include <chrono>
#include <functional>

namespace caas::telemetry {

struct SweeperSettings {
  std::chrono::milliseconds interval{1000};  // CAAS_TELEMETRY_OFFLINE_CHECK_INTERVAL
  std::chrono::milliseconds grace{2000};     // CAAS_TELEMETRY_OFFLINE_GRACE
  std::size_t batch = 1000;                  // index entries read per step
};

class DeadlineSweeper {
 public:
  /// `ready` says whether sweeping may happen now (processor caught up).
  DeadlineSweeper(TelemetryStore& store, const Policy& policy, const Limits& limits,
                  const service::EventEmitter& emitter, VehicleGuard& guard, const PartitionOwners& owners,
                  Probe& probe, observability::Logger log, SweeperSettings settings, std::function<bool()> ready);
  ~DeadlineSweeper();
  DeadlineSweeper(const DeadlineSweeper&) = delete;
  DeadlineSweeper& operator=(const DeadlineSweeper&) = delete;

  void start();
  void stop();
  /// One pass over what is due now; returns the vehicles taken offline.
  std::size_t sweep_once();

 private:
  bool take_offline(std::int64_t deadline_ms, const std::string& vin);

  TelemetryStore& store_;
  const Policy& policy_;
  const Limits& limits_;
  const service::EventEmitter& emitter_;
  VehicleGuard& guard_;
  const PartitionOwners& owners_;
  Probe& probe_;
  observability::Logger log_;
  SweeperSettings settings_;
  std::function<bool()> ready_;
  PeriodicThread thread_;  // last: stopped before the members it uses go
};

}  // namespace caas::telemetry
