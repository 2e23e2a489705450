#pragma once
// The factory-adapter on the platform skeleton: configuration, the
// projection of its own event log, the two acting consumers, the placement
// worker, the reconciler and the admin API.
//
// Start-up order (DESIGN.md §5): the runtime starts only the projection of
// caas.factory.events.v1 (group caas-factory-adapter-projection), which
// rebuilds the map, the status history and the outcomes of a store started
// empty. When it has caught up, the StartGate starts the place-order consumer
// (caas.factory.commands.v1), the status consumer
// (caas.ingress.factory-status.v1), the placement worker and the reconciler;
// /readyz stays 503 until the gate is open and both consumers caught up.

#include "app/admin_api.hpp"
#include "app/emitter.hpp"
#include "app/event_handlers.hpp"
#include "app/factory_order_locks.hpp"
#include "app/placement_worker.hpp"
#include "app/probe.hpp"
#include "app/projection_handler.hpp"
#include "app/reconciler.hpp"
#include "clients/factory_client.hpp"
#include "domain/placement.hpp"
#include "store/adapter_store.hpp"

#include <caas/resilience/circuit_breaker.hpp>
#include <caas/service/runtime.hpp>
#include <caas/service/start_gate.hpp>

#include <memory>
#include <vector>

namespace caas::factory {

struct AdapterSettings {
  FactoryClientOptions client;
  PlacementRetrySettings retry;
  WorkerSettings worker;
  resilience::CircuitBreakerConfig breaker;
  ReconcilerSettings reconciler;
  /// Status webhooks for a factory order not placed (yet) wait by key; the
  /// grace is the ingress's unknown-order grace (one setting for both).
  service::WaitOptions status_wait;
  std::optional<security::ApiKeyStore> api_keys;
};

/// Reads the adapter's variables (see README); problems are recorded in `env`.
AdapterSettings load_adapter_settings(observability::EnvConfig& env);

class AdapterService final : public service::Service {
 public:
  explicit AdapterService(events::Clock clock = events::system_now);
  ~AdapterService() override;

  void load_config(observability::EnvConfig& env) override;
  void wire(service::ServiceRuntime& runtime) override;
  void stop() override;

 private:
  /// A consumer the gate starts (the runtime would start it at once).
  service::EventProcessor& add_gated_processor(service::ServiceRuntime& rt, service::EventProcessorOptions options,
                                               const std::string& role, service::EventHandler handler);
  /// A factory order is recorded (placed now, or rebuilt from the log): its
  /// status webhooks that overtook it are taken back from the waiting room.
  void factory_order_known(const std::string& factory_order_id);

  events::Clock clock_;
  std::unique_ptr<AdapterSettings> settings_;
  std::unique_ptr<AdapterStore> store_;
  std::unique_ptr<Probe> probe_;
  std::unique_ptr<Emitter> emitter_;
  std::unique_ptr<FactoryClient> client_;
  std::unique_ptr<resilience::CircuitBreaker> breaker_;
  std::unique_ptr<FactoryOrderLocks> locks_;
  std::unique_ptr<PlacementWorker> worker_;
  std::unique_ptr<Reconciler> reconciler_;
  std::unique_ptr<EventHandlers> handlers_;
  std::unique_ptr<AdminApi> admin_;
  std::unique_ptr<ProjectionHandler> projection_;
  std::unique_ptr<service::StartGate> gate_;
  service::EventProcessor* status_processor_ = nullptr;  // in gated_
  // Last: stopped and destroyed before the handlers they call.
  std::vector<std::unique_ptr<service::EventProcessor>> gated_;
};

}  // namespace caas::factory
