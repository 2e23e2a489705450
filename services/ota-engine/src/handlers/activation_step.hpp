#pragma once
// One vehicle's aggregate during one record: load the vehicle and the
// activations the record touches, run the engine, keep the vehicle's queue
// moving (one command in flight per vehicle), then stage everything into the
// record's atomic write: state, timer index, outcome/billing/ticket events
// (outbox, skipped when already on their topic), and the work to hand on
// once committed (commands to POST, status queries).

#include "domain/activation.hpp"
#include "domain/catalogue.hpp"
#include "domain/ota_events.hpp"
#include "store/ota_store.hpp"

#include <caas/core/result.hpp>
#include <caas/service/event_emitter.hpp>
#include <caas/store/state_store.hpp>

#include <map>
#include <string>
#include <vector>

namespace caas::ota {

/// A finished activation, for the probe.
struct Finished {
  State state = State::requested;
  Operation operation = Operation::activation;
  int attempts = 0;
  double latency_seconds = 0;
};

/// Handed on after the commit (EventProcessorOptions::on_applied_committed).
struct Staged {
  std::vector<PostCommand> posts;
  std::vector<StatusQuery> queries;
  std::vector<std::string> release_keys;
  std::vector<Finished> finished;
  std::vector<std::string> billing_types;
  int requested = 0;  // activations (purchases)
  int accepted = 0;   // activations and deactivations
  void clear() { *this = Staged{}; }
};

struct StepContext {
  OtaStore& store;
  const Catalogue& catalogue;
  const service::EventEmitter& emitter;
  Engine engine;
  int resolution_hours = 48;
};

class VehicleStep {
 public:
  VehicleStep(const StepContext& ctx, std::string vin, std::int64_t now);

  Vehicle& vehicle() { return vehicle_; }
  bool vehicle_known() const { return known_; }
  /// The activation (loaded once per step), or null.
  Activation* activation(const std::string& id);
  /// Adds a new activation (REQUESTED) to the step.
  Activation& add(Activation a);
  /// The head of the vehicle's queue (in flight), or null.
  Activation* head();
  /// Takes an engine call's effects: when the activation finished, its events
  /// are staged and the next one in the vehicle's queue starts.
  void take(Activation& a, Effects fx);

  /// Stages everything into `txn`. Fails only when an event fails its schema (a bug).
  Result<void> write(store::WriteTxn& txn, const std::string& correlation_id, const std::string& causation_id,
                     Staged& staged);

  void touch_vehicle() { vehicle_dirty_ = true; }

 private:
  const StepContext& ctx_;
  std::int64_t now_;
  Vehicle vehicle_;
  bool known_ = false;
  bool vehicle_dirty_ = false;
  struct Loaded {
    Activation a;
    std::optional<Timer> before;  // timer as loaded (index entry to remove)
    bool dirty = false;
  };
  std::map<std::string, Loaded> loaded_;
  std::vector<std::string> finished_;  // ids, in order
  std::vector<PostCommand> posts_;
  std::vector<StatusQuery> queries_;
};

}  // namespace caas::ota
