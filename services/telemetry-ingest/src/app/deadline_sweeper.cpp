#include "app/deadline_sweeper.hpp"

#include "domain/vehicle_events.hpp"
#include "store/telemetry_store.hpp"

namespace caas::telemetry {

DeadlineSweeper::DeadlineSweeper(TelemetryStore& store, const Policy& policy, const Limits& limits,
                                 const service::EventEmitter& emitter, VehicleGuard& guard,
                                 const PartitionOwners& owners, Probe& probe, observability::Logger log,
                                 SweeperSettings settings, std::function<bool()> ready)
    : store_(store),
      policy_(policy),
      limits_(limits),
      emitter_(emitter),
      guard_(guard),
      owners_(owners),
      probe_(probe),
      log_(std::move(log)),
      settings_(settings),
      ready_(std::move(ready)) {}

DeadlineSweeper::~DeadlineSweeper() {
  stop();
}

void DeadlineSweeper::start() {
  thread_.start(settings_.interval, [this] {
    try {
      if (ready_()) sweep_once();
    } catch (const std::exception& e) {
      log_.warn("offline sweep failed", {{"error", e.what()}});
    }
  });
}

void DeadlineSweeper::stop() {
  thread_.stop();
}

std::size_t DeadlineSweeper::sweep_once() {
  const std::int64_t cutoff = emitter_.now_ms() - settings_.grace.count();
  std::size_t offline = 0;
  std::size_t left = 0;
  std::string after;
  // Entries of vehicles this replica does not serve (or that are busy) stay
  // in the index and are stepped over; the scan resumes after the last key.
  for (;;) {
    auto due = store_.due(cutoff, settings_.batch, after);
    for (const auto& [deadline, vin] : due) {
      if (take_offline(deadline, vin)) {
        ++offline;
      } else {
        ++left;
      }
    }
    if (due.size() < settings_.batch) break;
    after = keys::deadline(due.back().first, due.back().second);
  }
  probe_.deadlines_due.Set(static_cast<double>(left));
  return offline;
}

bool DeadlineSweeper::take_offline(std::int64_t deadline_ms, const std::string& vin) {
  bool done = false;
  guard_.with_idle(vin, [&] {
    const auto before = store_.vehicle(vin);
    store::WriteTxn txn;
    if (!before) {
      txn.del(keys::deadline(deadline_ms, vin));  // an entry without a vehicle (cannot happen; keep the index clean)
    } else {
      if (!owners_.serves(before->state.partition)) return;
      auto outcome = silence_passed(before->state, deadline_ms, policy_);
      if (!outcome) {
        txn.del(keys::deadline(deadline_ms, vin));  // stale entry
      } else {
        StageContext ctx{store_, emitter_, limits_, "", ""};
        auto written = stage_outcome(ctx, txn, before, *outcome, nullptr);
        if (!written) {
          log_.error("vehicle.offline failed its schema (bug)", {{"vin", vin}, {"error", written.error().message}});
          return;
        }
      }
    }
    if (auto r = store_.raw().commit(std::move(txn)); !r) {
      log_.warn("cannot store an offline transition", {{"vin", vin}, {"error", r.error().message}});
      return;
    }
    if (before && before->state.online && before->state.deadline_ms == deadline_ms) {
      done = true;
      probe_.offline_by_silence.Increment();
      probe_.emitted("vehicle.offline");
      log_.info("vehicle offline: silent past its deadline",
                {{"vin", vin}, {"offline_since", format_ms(deadline_ms)}, {"last_seen", before->state.last_seen}});
    }
  });
  return done;
}

}  // namespace caas::telemetry
