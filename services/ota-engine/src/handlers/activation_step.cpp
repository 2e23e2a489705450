#include "handlers/activation_step.hpp"

#include <algorithm>

namespace caas::ota {

namespace {
constexpr std::size_t kHistoryMax = 1000;
}

VehicleStep::VehicleStep(const StepContext& ctx, std::string vin, std::int64_t now) : ctx_(ctx), now_(now) {
  if (auto v = ctx_.store.vehicle(vin)) {
    vehicle_ = std::move(*v);
    known_ = true;
  } else {
    vehicle_.vin = std::move(vin);
  }
}

Activation* VehicleStep::activation(const std::string& id) {
  if (auto it = loaded_.find(id); it != loaded_.end()) return &it->second.a;
  auto a = ctx_.store.activation(id);
  if (!a) return nullptr;
  auto before = a->timer;
  auto [it, inserted] = loaded_.emplace(id, Loaded{std::move(*a), before, false});
  return &it->second.a;
}

Activation& VehicleStep::add(Activation a) {
  vehicle_.queue.push_back(a.id);
  vehicle_.history.push_back(a.id);
  if (vehicle_.history.size() > kHistoryMax) vehicle_.history.erase(vehicle_.history.begin());
  vehicle_dirty_ = true;
  const auto id = a.id;
  auto [it, inserted] = loaded_.emplace(id, Loaded{std::move(a), std::nullopt, true});
  return it->second.a;
}

Activation* VehicleStep::head() {
  while (!vehicle_.queue.empty()) {
    auto* a = activation(vehicle_.queue.front());
    if (a && !terminal(a->state)) return a;
    vehicle_.queue.pop_front();  // finished or lost: never blocks the queue
    vehicle_dirty_ = true;
  }
  return nullptr;
}

void VehicleStep::take(Activation& a, Effects fx) {
  loaded_.at(a.id).dirty = true;
  vehicle_dirty_ = true;
  for (auto& p : fx.posts) posts_.push_back(std::move(p));
  for (auto& q : fx.queries) queries_.push_back(std::move(q));
  if (!fx.finished) return;
  finished_.push_back(a.id);
  auto& q = vehicle_.queue;
  q.erase(std::remove(q.begin(), q.end(), a.id), q.end());
  if (auto* next = head(); next && next->state == State::requested) {
    take(*next, ctx_.engine.start(*next, vehicle_, now_));
  }
}

Result<void> VehicleStep::write(store::WriteTxn& txn, const std::string& correlation_id,
                                const std::string& causation_id, Staged& staged) {
  for (auto& [id, l] : loaded_) {
    if (!l.dirty) continue;
    if (l.before && l.before->purpose != TimerPurpose::none &&
        (l.a.timer.seq != l.before->seq || l.a.timer.purpose == TimerPurpose::none)) {
      txn.del(keys::timer(l.before->due_ms, id));
    }
    if (l.a.timer.purpose != TimerPurpose::none && (!l.before || l.a.timer.seq != l.before->seq)) {
      txn.put(keys::timer(l.a.timer.due_ms, id), l.a.vin);
    }
    txn.put(keys::activation(id), encode(l.a));
  }
  if (vehicle_dirty_) txn.put(keys::vehicle(vehicle_.vin), encode(vehicle_));
  for (const auto& id : finished_) {
    const auto& a = loaded_.at(id).a;
    const auto* service = ctx_.catalogue.find(a.service_code);
    for (auto& spec : outcome_events(a, vehicle_, service, ctx_.resolution_hours)) {
      if (ctx_.store.emitted(spec.id)) continue;  // already on its topic (a replay): never twice
      service::OutboundEvent ev{spec.topic, spec.type, spec.key, spec.data, spec.id, correlation_id, causation_id};
      auto record = ctx_.emitter.make(ev, a.finished_ms);
      if (!record) return record.error();
      txn.enqueue(std::move(*record));
      txn.put(keys::emitted(spec.id), "");
      if (spec.topic == kBillingTopic) staged.billing_types.emplace_back(spec.type);
    }
    const double latency = static_cast<double>(a.finished_ms - a.created_ms) / 1000.0;
    staged.finished.push_back(Finished{a.state, a.operation, static_cast<int>(a.attempts.size()), latency});
  }
  staged.release_keys.push_back(vehicle_.vin);  // records of this vehicle that wait for this step
  for (auto& p : posts_) staged.posts.push_back(std::move(p));
  for (auto& q : queries_) staged.queries.push_back(std::move(q));
  return {};
}

}  // namespace caas::ota
