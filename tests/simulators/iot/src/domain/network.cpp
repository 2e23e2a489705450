#include "domain/network.hpp"

#include <algorithm>

namespace caas::iot_sim {

namespace {

Parameters values_of(const Vehicle& v, const Parameters& requested) {
  Parameters out;
  for (const auto& [name, value] : requested) {
    if (auto it = v.parameters.find(name); it != v.parameters.end()) out.emplace(name, it->second);
  }
  return out;
}

bool same_request(const DisplayMessageRequest& a, const DisplayMessageRequest& b) {
  return a.text == b.text && a.language == b.language && a.display_seconds == b.display_seconds;
}

}  // namespace

std::string_view to_string(CommandResult r) {
  switch (r) {
    case CommandResult::accepted:
      return "ACCEPTED";
    case CommandResult::applied:
      return "APPLIED";
    case CommandResult::rejected:
      return "REJECTED";
    case CommandResult::failed:
      return "FAILED";
  }
  return "FAILED";
}

std::string_view to_string(CommandPhase p) {
  switch (p) {
    case CommandPhase::held:
      return "HELD";
    case CommandPhase::applying:
      return "APPLYING";
    case CommandPhase::done:
      return "DONE";
  }
  return "DONE";
}

Execution execute(Vehicle& vehicle, const Parameters& requested, const VehicleFaults& faults, Random& rng) {
  Execution e;
  Parameters coerced;
  for (const auto& [name, value] : requested) {
    auto current = vehicle.parameters.find(name);
    if (current == vehicle.parameters.end()) {
      e.result = CommandResult::rejected;
      e.error_code = "UNKNOWN_PARAMETER";
      break;
    }
    auto v = coerce_to_kind(current->second, value);
    if (!v) {
      e.result = CommandResult::rejected;
      e.error_code = "INVALID_PARAMETER_VALUE";
      break;
    }
    coerced.emplace(name, std::move(*v));
  }
  if (e.error_code.empty()) {
    if (rng.chance(faults.firmware_error_probability)) {
      e.result = CommandResult::failed;
      e.error_code = faults.firmware_error_code;
    } else if (rng.chance(faults.reject_probability)) {
      e.result = CommandResult::rejected;
      e.error_code = "CONFIGURATION_REJECTED";
    } else {
      e.partial = rng.chance(faults.partial_probability);
      // Partial: the last parameter (name order) does not take; with a
      // single parameter nothing changes, yet the vehicle says APPLIED.
      std::size_t n = e.partial ? coerced.size() - 1 : coerced.size();
      for (const auto& [name, value] : coerced) {
        if (n-- == 0) break;
        vehicle.parameters[name] = value;
        e.applied.emplace(name, value);
      }
    }
  }
  e.reported = values_of(vehicle, requested);
  return e;
}

VehicleNetwork::VehicleNetwork(std::vector<Vehicle> fleet, NetworkOptions options)
    : options_(options), vehicles_(std::move(fleet)) {
  for (std::size_t i = 0; i < vehicles_.size(); ++i) index_.emplace(vehicles_[i].vin, i);
}

Vehicle* VehicleNetwork::find(std::string_view vin) {
  auto it = index_.find(vin);
  return it == index_.end() ? nullptr : &vehicles_[it->second];
}

const Vehicle* VehicleNetwork::find(std::string_view vin) const {
  auto it = index_.find(vin);
  return it == index_.end() ? nullptr : &vehicles_[it->second];
}

CommandRecord* VehicleNetwork::find_command(std::uint64_t seq) {
  auto it = commands_.find(seq);
  return it == commands_.end() ? nullptr : &it->second;
}

void VehicleNetwork::schedule(CommandRecord& c, CommandPhase phase, SteadyTime due) {
  if (c.phase != CommandPhase::done) due_.erase({c.due, c.seq});
  c.phase = phase;
  c.due = due;
  if (phase != CommandPhase::done) due_.insert({due, c.seq});
}

void VehicleNetwork::accept(CommandRecord& c, const Vehicle& v, TimePoint now, SteadyTime steady,
                            const FaultPlan& faults, std::vector<Ack>& out) {
  schedule(c, CommandPhase::applying, steady + options_.apply_delay);
  if (c.accepted_sent) return;  // accepted once, then the vehicle went offline before applying it
  c.accepted_sent = true;
  if (c.acks_lost) return;
  c.acks.push_back({CommandResult::accepted, "", "pending", 0});
  out.push_back({c.vin, c.command_id, c.seq, CommandResult::accepted, "", std::nullopt, now,
                 faults.for_vehicle(v.vin).ack_delay});
}

void VehicleNetwork::finish(CommandRecord& c, Execution e, TimePoint now, const FaultPlan& faults,
                            std::vector<Ack>& out) {
  schedule(c, CommandPhase::done, {});
  c.completed_at = now;
  if (!c.acks_lost) {
    c.acks.push_back({e.result, "", "pending", 0});
    const bool offline_expiry = e.error_code == "VEHICLE_OFFLINE";
    out.push_back({c.vin, c.command_id, c.seq, e.result, e.error_code,
                   offline_expiry ? std::nullopt : std::optional<Parameters>(e.reported), now,
                   faults.for_vehicle(c.vin).ack_delay});
  }
  c.execution = std::move(e);
}

std::pair<Admission, const CommandRecord*> VehicleNetwork::submit(std::string_view vin, ConfigurationRequest request,
                                                                  TimePoint now, SteadyTime steady,
                                                                  const FaultPlan& faults, Random& rng,
                                                                  std::vector<Ack>& out) {
  Vehicle* v = find(vin);
  if (v == nullptr) return {Admission::conflict, nullptr};  // callers check the VIN first
  const Key key{std::string(vin), request.command_id};
  if (auto it = command_ids_.find(key); it != command_ids_.end()) {
    CommandRecord& existing = commands_.at(it->second);
    if (existing.requested != request.parameters) return {Admission::conflict, &existing};
    ++existing.requests;
    return {Admission::repeated, &existing};
  }
  if (commands_.size() >= options_.max_commands) return {Admission::full, nullptr};
  const std::uint64_t seq = next_command_seq_++;
  CommandRecord& c = commands_[seq];
  c.seq = seq;
  c.vin = std::string(vin);
  c.command_id = std::move(request.command_id);
  c.requested = std::move(request.parameters);
  c.received_at = now;
  c.acks_lost = rng.chance(faults.for_vehicle(vin).lost_ack_probability);
  command_ids_.emplace(key, seq);
  if (v->online) {
    v->last_seen = now;
    accept(c, *v, now, steady, faults, out);
  } else {
    schedule(c, CommandPhase::held, steady + options_.command_ttl);
  }
  return {Admission::created, &c};
}

std::size_t VehicleNetwork::sync_connectivity(const FaultPlan& faults, TimePoint now, SteadyTime steady,
                                              std::vector<Ack>& out) {
  std::size_t changed = 0;
  for (auto& v : vehicles_) {
    const bool online = !faults.for_vehicle(v.vin).offline && !v.flap_until;
    if (online == v.online) continue;
    ++changed;
    v.online = online;
    if (!online) {
      v.offline_periods.push_back({now, std::nullopt});
      if (v.offline_periods.size() > options_.max_offline_periods) v.offline_periods.erase(v.offline_periods.begin());
      continue;
    }
    if (!v.offline_periods.empty() && !v.offline_periods.back().to) v.offline_periods.back().to = now;
    v.last_seen = now;
    for (auto* pending : pending_commands(v.vin)) {
      auto& c = commands_.at(pending->seq);
      if (c.phase == CommandPhase::held) accept(c, v, now, steady, faults, out);
    }
  }
  return changed;
}

std::size_t VehicleNetwork::flap(const FaultPlan& faults, TimePoint now, SteadyTime steady, Random& rng,
                                 std::vector<Ack>& out) {
  for (auto& v : vehicles_) {
    const VehicleFaults& f = faults.for_vehicle(v.vin);
    if (v.flap_until) {
      if (steady >= *v.flap_until) v.flap_until.reset();
    } else if (v.online && rng.chance(f.offline_flap_probability)) {
      v.flap_until = steady + f.offline_flap;
    }
  }
  return sync_connectivity(faults, now, steady, out);
}

std::vector<std::uint64_t> VehicleNetwork::advance(TimePoint now, SteadyTime steady, const FaultPlan& faults,
                                                   Random& rng, std::vector<Ack>& out) {
  std::vector<std::uint64_t> finished;
  while (!due_.empty() && due_.begin()->first <= steady) {
    CommandRecord& c = commands_.at(due_.begin()->second);
    Vehicle& v = *find(c.vin);
    if (c.phase == CommandPhase::held) {
      finish(c, {CommandResult::failed, "VEHICLE_OFFLINE", {}, {}, false}, now, faults, out);
      finished.push_back(c.seq);
    } else if (!v.online) {
      // Accepted, then the vehicle dropped off before applying it: it waits
      // (and may expire) like a command that arrived while offline.
      schedule(c, CommandPhase::held, steady + options_.command_ttl);
    } else {
      v.last_seen = now;
      finish(c, execute(v, c.requested, faults.for_vehicle(v.vin), rng), now, faults, out);
      finished.push_back(c.seq);
    }
  }
  return finished;
}

std::optional<SteadyTime> VehicleNetwork::next_due() const {
  if (due_.empty()) return std::nullopt;
  return due_.begin()->first;
}

std::vector<const CommandRecord*> VehicleNetwork::pending_commands(std::string_view vin) const {
  std::vector<const CommandRecord*> out;
  // Commands are few per vehicle; a scan of the id index (sorted by VIN)
  // finds them without a second index.
  for (auto it = command_ids_.lower_bound({std::string(vin), ""}); it != command_ids_.end() && it->first.first == vin;
       ++it) {
    const auto& c = commands_.at(it->second);
    if (c.phase != CommandPhase::done) out.push_back(&c);
  }
  std::sort(out.begin(), out.end(), [](const CommandRecord* a, const CommandRecord* b) { return a->seq < b->seq; });
  return out;
}

Admission VehicleNetwork::post_message(std::string_view vin, DisplayMessageRequest request, TimePoint now) {
  const Vehicle* v = find(vin);
  if (v == nullptr) return Admission::conflict;
  const Key key{std::string(vin), request.message_id};
  if (auto it = message_ids_.find(key); it != message_ids_.end()) {
    auto& existing = messages_[it->second];
    if (!same_request(existing.request, request)) return Admission::conflict;
    ++existing.requests;
    return Admission::repeated;
  }
  if (messages_.size() >= options_.max_messages) return Admission::full;
  message_ids_.emplace(key, messages_.size());
  messages_.push_back({std::string(vin), std::move(request), now, 1, v->online});
  return Admission::created;
}

}  // namespace caas::iot_sim
