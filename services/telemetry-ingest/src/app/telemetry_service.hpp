#pragma once
// The telemetry-ingest service (port 8084): wiring and configuration.
//
//   caas.ingress.iot-telemetry.v1 --ReadingHandler--> vehicle records, timeline,
//        connectivity log, deadline index, vehicle.* events (outbox)
//        group caas-telemetry-ingest: replicas share the partitions
//   deadline index --DeadlineSweeper--> vehicle.offline (silence)
//   caas.order.events.v1 --OwnershipHandler--> VIN -> customer (whole topic, group per replica)
//   caas.vehicle.events.v1 --FleetHandler--> fleet view + counters (whole topic, group per replica)
//   HTTP: TelemetryApi (state, timeline, connectivity, fleet summary),
//         POST /admin/verify-replay (ReplayVerifier over a shadow store)

#include "api/telemetry_api.hpp"
#include "app/deadline_sweeper.hpp"
#include "app/partition_owners.hpp"
#include "app/probe.hpp"
#include "handlers/fleet_handler.hpp"
#include "handlers/ownership_handler.hpp"
#include "handlers/reading_handler.hpp"

#include <caas/events/time.hpp>
#include <caas/service/replay_verifier.hpp>
#include <caas/service/runtime.hpp>

#include <memory>

namespace caas::telemetry {

struct TelemetrySettings {
  Policy policy;
  Limits limits;
  SweeperSettings sweeper;
  std::chrono::milliseconds ownership_interval{1000};  // CAAS_TELEMETRY_OWNERSHIP_CHECK_INTERVAL
  std::string api_keys_file;                           // CAAS_API_KEYS_FILE (required)
  std::string token_secret_file;                       // CAAS_TOKEN_SECRET_FILE (optional)
  std::chrono::milliseconds verify_timeout{300000};    // CAAS_VERIFY_REPLAY_TIMEOUT
};

TelemetrySettings load_telemetry_settings(observability::EnvConfig& env);

/// The state keys replay verification compares (store/telemetry_store.hpp):
/// everything but the bookkeeping of partition ownership.
std::vector<std::string> replayed_key_prefixes();

class TelemetryService final : public service::Service {
 public:
  explicit TelemetryService(events::Clock clock = events::system_now);
  ~TelemetryService() override;

  void load_config(observability::EnvConfig& env) override;
  void wire(service::ServiceRuntime& runtime) override;
  void stop() override;

  /// For tests: the pieces whose progress they wait for.
  DeadlineSweeper& sweeper() { return *sweeper_; }
  PartitionOwners& owners() { return *owners_; }
  TelemetryStore& store() { return *store_; }
  service::ReplayVerifier& verifier() { return *verifier_; }

 private:
  events::Clock clock_;
  std::unique_ptr<TelemetrySettings> settings_;
  std::unique_ptr<TelemetryStore> store_;
  std::unique_ptr<Probe> probe_;
  std::unique_ptr<service::EventEmitter> emitter_;
  VehicleGuard guard_;
  PartitionClock partition_clock_;
  std::unique_ptr<ReadingHandler> readings_;
  std::unique_ptr<OwnershipHandler> ownership_;
  std::unique_ptr<FleetHandler> fleet_;
  std::unique_ptr<PartitionOwners> owners_;
  std::unique_ptr<DeadlineSweeper> sweeper_;
  std::unique_ptr<TelemetryApi> api_;
  std::unique_ptr<service::Authenticator> admin_auth_;
  std::unique_ptr<service::ReplayVerifier> verifier_;
};

}  // namespace caas::telemetry
