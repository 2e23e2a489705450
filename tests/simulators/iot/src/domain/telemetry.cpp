#include "domain/telemetry.hpp"

#include "domain/json_out.hpp"

#include <algorithm>

namespace caas::iot_sim {

void write_position(JsonWriter& w, const Position& p) {
  write_string(w, "position");
  w.StartObject();
  write_number(w, "lat", p.lat);
  write_number(w, "lon", p.lon);
  w.EndObject();
}

void write_diagnostics(JsonWriter& w, const std::vector<Diagnostic>& diagnostics) {
  write_string(w, "diagnostics");
  w.StartArray();
  for (const auto& d : diagnostics) {
    w.StartObject();
    write_member(w, "code", d.code);
    write_member(w, "severity", d.severity);
    w.EndObject();
  }
  w.EndArray();
}

std::string reading_json(const Vehicle& v, std::uint64_t seq, TimePoint time) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "vin", v.vin);
    write_string(w, "seq");
    w.Uint64(seq);
    write_time_member(w, "time", time);
    write_position(w, v.position);
    write_member(w, "operational_state", to_string(v.operational_state));
    write_string(w, "configuration");
    write_parameters(w, v.parameters);
    write_diagnostics(w, v.diagnostics);
    write_string(w, "connectivity");
    w.StartObject();
    write_string(w, "signal_dbm");
    w.Int(v.connectivity.signal_dbm);
    write_member(w, "network", v.connectivity.network);
    w.EndObject();
    w.EndObject();
  });
}

std::vector<OutgoingReading> TelemetryGenerator::tick(std::vector<Vehicle>& fleet, TimePoint now,
                                                      std::chrono::milliseconds dt, const FaultPlan& faults,
                                                      Random& faults_rng, Random& motion, TelemetryCounts& counts) {
  std::vector<OutgoingReading> out;
  if (faults.telemetry.paused) return out;
  for (auto& v : fleet) {
    if (!v.online) continue;
    const VehicleFaults& f = faults.for_vehicle(v.vin);
    evolve(v, dt, motion);
    v.last_seen = now;
    OutgoingReading r{v.vin, v.next_seq++, {}};
    r.json = reading_json(v, r.seq, now);
    ++counts.taken;
    last_[v.vin] = r;
    // A reading held back last interval goes right after this one.
    std::optional<OutgoingReading> released;
    if (auto h = held_.find(v.vin); h != held_.end()) {
      released = std::move(h->second);
      held_.erase(h);
    }
    if (faults_rng.chance(f.telemetry_gap_probability)) {
      ++counts.lost;
    } else if (!released && faults_rng.chance(f.reorder_probability)) {
      ++counts.reordered;
      held_.emplace(v.vin, std::move(r));
    } else {
      const bool duplicate = faults_rng.chance(f.duplicate_probability);
      if (duplicate) {
        ++counts.duplicated;
        out.push_back(r);
      }
      out.push_back(std::move(r));
    }
    if (released) out.push_back(std::move(*released));
  }
  return out;
}

void TelemetryGenerator::clear() {
  held_.clear();
  last_.clear();
}

std::vector<Batch> make_batches(const std::vector<OutgoingReading>& readings, std::size_t batch_size) {
  std::vector<Batch> batches;
  batch_size = std::max<std::size_t>(1, batch_size);
  for (std::size_t i = 0; i < readings.size(); i += batch_size) {
    Batch b;
    b.body = R"({"readings":[)";
    for (std::size_t k = i; k < std::min(readings.size(), i + batch_size); ++k) {
      if (k > i) b.body += ',';
      b.body += readings[k].json;
      b.readings.emplace_back(readings[k].vin, readings[k].seq);
    }
    b.body += "]}";
    batches.push_back(std::move(b));
  }
  return batches;
}

}  // namespace caas::iot_sim
