#pragma once
// The ota-engine (port 8083): wiring and configuration.
//
//   caas.ota.events.v1, caas.billing.events.v1, caas.support.tickets.v1 --EmittedHandler--> ids already
//        emitted (group caas-ota-engine-emitted-<instance>); caught up: the StartGate opens
//   caas.order.events.v1 --DeliveryHandler--> VIN -> customer (group caas-ota-engine-owners-<instance>)
//   caas.ota.commands.v1 + caas.ingress.iot-command-status.v1 + caas.vehicle.events.v1
//        --CommandsHandler / CommandStatusHandler / VehicleEventsHandler--> activations (group caas-ota-engine),
//        outcome, billing and ticket events (outbox); committed work --> IotWorker (API IoT)
//   timer index --TimerSweeper--> ota.timer-fired
//   HTTP: OtaApi

#include "api/ota_api.hpp"
#include "app/iot_worker.hpp"
#include "app/probe.hpp"
#include "app/timer_sweeper.hpp"
#include "clients/iot_client/iot_client.hpp"
#include "domain/catalogue.hpp"
#include "handlers/command_status_handler.hpp"
#include "handlers/commands_handler.hpp"
#include "handlers/delivery_handler.hpp"
#include "handlers/emitted_handler.hpp"
#include "handlers/vehicle_events_handler.hpp"

#include <caas/events/time.hpp>
#include <caas/service/runtime.hpp>
#include <caas/service/start_gate.hpp>

#include <memory>

namespace caas::ota {

struct OtaSettings {
  std::string catalogue_file;  // CAAS_OTA_CATALOGUE_FILE
  std::optional<Catalogue> catalogue;
  double retry_scale = 1.0;                        // CAAS_OTA_RETRY_SCALE
  std::chrono::milliseconds timer_interval{1000};  // CAAS_OTA_TIMER_INTERVAL_MS
  IotClientSettings iot;
  WorkerSettings worker;
  ApiSettings api;
  int resolution_hours = 48;      // CAAS_OTA_RESOLUTION_HOURS
  std::string api_keys_file;      // CAAS_API_KEYS_FILE (required)
  std::string token_secret_file;  // CAAS_TOKEN_SECRET_FILE (optional)
  service::WaitOptions ack_wait;  // CAAS_OTA_ACK_WAIT_GRACE
};

OtaSettings load_ota_settings(observability::EnvConfig& env);

/// Whether `waiting` (the main processor's waiting room for `p`'s VIN) holds
/// an `ota.command-posted` of `p`'s attempt or a later one of its activation:
/// a replay read it ahead of the step it answers (the acknowledgement or
/// vehicle event that created the attempt, on another topic), so the attempt
/// was posted before the store was rebuilt and must not be posted again.
bool posted_in_log(const std::vector<service::WaitingRecord>& waiting, const PostCommand& p);

class OtaService final : public service::Service {
 public:
  explicit OtaService(events::Clock clock = events::system_now);
  ~OtaService() override;

  void load_config(observability::EnvConfig& env) override;
  void wire(service::ServiceRuntime& runtime) override;
  void stop() override;

  /// For tests.
  TimerSweeper& sweeper() { return *sweeper_; }
  OtaStore& store() { return *store_; }
  service::EventProcessor* processor() { return main_.get(); }

 private:
  void committed();

  events::Clock clock_;
  std::unique_ptr<OtaSettings> settings_;
  std::unique_ptr<OtaStore> store_;
  std::unique_ptr<Probe> probe_;
  std::unique_ptr<service::EventEmitter> emitter_;
  std::unique_ptr<IotClient> iot_;
  std::unique_ptr<HandlerDeps> deps_;
  std::unique_ptr<CommandsHandler> commands_;
  std::unique_ptr<CommandStatusHandler> statuses_;
  std::unique_ptr<VehicleEventsHandler> vehicles_;
  std::unique_ptr<DeliveryHandler> deliveries_;
  EmittedHandler emitted_;
  Staged staged_;  // processor thread only
  std::unique_ptr<service::StartGate> gate_;
  std::unique_ptr<service::EventProcessor> main_;
  std::unique_ptr<IotWorker> worker_;
  std::unique_ptr<TimerSweeper> sweeper_;
  std::unique_ptr<OtaApi> api_;
};

}  // namespace caas::ota
