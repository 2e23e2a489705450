#include "domain/fault_plan.hpp"

#include "domain/json_out.hpp"

#include <caas/events/json.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace caas::iot_sim {

namespace {

using Member = sim::PatchMember;
using Section = sim::PatchSection;
using sim::boolean, sim::error_queue, sim::milliseconds, sim::patch_error, sim::probability, sim::status_list;

/// 1..64 characters of [A-Za-z0-9._:-]: what the ingress accepts as an error_code.
Member error_code(std::string& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    const std::string_view s = v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : "";
    const bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' || c == ':';
    });
    if (!ok) return patch_error(field, "must be 1..64 characters of [A-Za-z0-9._:-]");
    out = std::string(s);
    return std::nullopt;
  };
}

Member non_negative(double& out, double max) {
  return [&out, max](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsNumber() || v.GetDouble() < 0.0 || v.GetDouble() > max) {
      return patch_error(field, "must be a number in [0, " + std::to_string(static_cast<long long>(max)) + "]");
    }
    out = v.GetDouble();
    return std::nullopt;
  };
}

Section api_section(ApiFaults& f) {
  return {{"latency_ms", milliseconds(f.latency)},
          {"timeout_probability", probability(f.timeout_probability)},
          {"error_probability", probability(f.error_probability)},
          {"error_statuses", status_list(f.error_statuses)},
          {"next_errors", error_queue(f.next_errors)},
          {"rate_limit_rps", non_negative(f.rate_limit_rps, 1e6)},
          {"rate_limit_burst", non_negative(f.rate_limit_burst, 1e6)}};
}

Section vehicle_section(VehicleFaults& f) {
  return {{"offline", boolean(f.offline)},
          {"reject_probability", probability(f.reject_probability)},
          {"partial_probability", probability(f.partial_probability)},
          {"firmware_error_probability", probability(f.firmware_error_probability)},
          {"firmware_error_code", error_code(f.firmware_error_code)},
          {"ack_delay_ms", milliseconds(f.ack_delay)},
          {"lost_ack_probability", probability(f.lost_ack_probability)},
          {"telemetry_gap_probability", probability(f.telemetry_gap_probability)},
          {"duplicate_probability", probability(f.duplicate_probability)},
          {"reorder_probability", probability(f.reorder_probability)},
          {"offline_flap_probability", probability(f.offline_flap_probability)},
          {"offline_flap_ms", milliseconds(f.offline_flap)}};
}

std::string name_of(const rapidjson::Value& name) {
  return std::string(name.GetString(), name.GetStringLength());
}

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

/// `old_text`'s members with `update`'s over them.
std::string merge_members(const std::string& old_text, const rapidjson::Value& update) {
  rapidjson::Document merged;
  merged.Parse(old_text.c_str(), old_text.size());
  if (!merged.IsObject()) merged.SetObject();
  for (const auto& m : update.GetObject()) {
    rapidjson::Value value(m.value, merged.GetAllocator());
    if (auto it = merged.FindMember(m.name); it != merged.MemberEnd()) {
      it->value = std::move(value);
    } else {
      merged.AddMember(rapidjson::Value(m.name, merged.GetAllocator()), std::move(value), merged.GetAllocator());
    }
  }
  return to_text(merged);
}

void write_api(JsonWriter& w, const ApiFaults& f) {
  w.StartObject();
  write_string(w, "latency_ms");
  w.Int64(f.latency.count());
  write_number(w, "timeout_probability", f.timeout_probability);
  write_number(w, "error_probability", f.error_probability);
  sim::write_status_list(w, "error_statuses", f.error_statuses);
  sim::write_error_queue(w, "next_errors", f.next_errors);
  write_number(w, "rate_limit_rps", f.rate_limit_rps);
  write_number(w, "rate_limit_burst", f.rate_limit_burst);
  w.EndObject();
}

void write_vehicle(JsonWriter& w, const VehicleFaults& f) {
  w.StartObject();
  write_string(w, "offline");
  w.Bool(f.offline);
  write_number(w, "reject_probability", f.reject_probability);
  write_number(w, "partial_probability", f.partial_probability);
  write_number(w, "firmware_error_probability", f.firmware_error_probability);
  write_member(w, "firmware_error_code", f.firmware_error_code);
  write_string(w, "ack_delay_ms");
  w.Int64(f.ack_delay.count());
  write_number(w, "lost_ack_probability", f.lost_ack_probability);
  write_number(w, "telemetry_gap_probability", f.telemetry_gap_probability);
  write_number(w, "duplicate_probability", f.duplicate_probability);
  write_number(w, "reorder_probability", f.reorder_probability);
  write_number(w, "offline_flap_probability", f.offline_flap_probability);
  write_string(w, "offline_flap_ms");
  w.Int64(f.offline_flap.count());
  w.EndObject();
}

}  // namespace

const VehicleFaults& FaultPlan::for_vehicle(std::string_view vin) const {
  auto it = effective_.find(vin);
  return it == effective_.end() ? fleet : it->second;
}

std::vector<std::string> FaultPlan::overridden() const {
  std::vector<std::string> vins;
  for (const auto& [vin, text] : vehicle_patches_) vins.push_back(vin);
  return vins;
}

void FaultPlan::recompute() {
  effective_.clear();
  for (const auto& [vin, text] : vehicle_patches_) {
    VehicleFaults f = fleet;
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    (void)sim::apply_members(vehicle_section(f), doc, "vehicles." + vin);  // checked when it was stored
    effective_.emplace(vin, std::move(f));
  }
}

std::optional<PatchError> FaultPlan::apply_patch(const rapidjson::Value& patch,
                                                 const std::function<bool(std::string_view)>& known_vin) {
  if (!patch.IsObject()) return PatchError{"", "the fault document must be a JSON object"};
  FaultPlan updated = *this;
  for (const auto& section : patch.GetObject()) {
    const std::string name = name_of(section.name);
    std::optional<PatchError> error;
    if (name == "api") {
      error = sim::apply_members(api_section(updated.api), section.value, name);
    } else if (name == "fleet") {
      error = sim::apply_members(vehicle_section(updated.fleet), section.value, name);
    } else if (name == "telemetry") {
      error = sim::apply_members({{"paused", boolean(updated.telemetry.paused)}}, section.value, name);
    } else if (name == "vehicles") {
      if (!section.value.IsObject()) return patch_error(name, "must be an object of VIN → vehicle faults");
      for (const auto& entry : section.value.GetObject()) {
        const std::string vin = name_of(entry.name);
        const std::string field = "vehicles." + vin;
        if (!known_vin(vin)) return PatchError{field, "unknown vehicle " + vin};
        if (entry.value.IsNull()) {
          updated.vehicle_patches_.erase(vin);
          continue;
        }
        VehicleFaults scratch;
        if (auto e = sim::apply_members(vehicle_section(scratch), entry.value, field)) return e;
        auto& text = updated.vehicle_patches_[vin];
        text = merge_members(text.empty() ? "{}" : text, entry.value);
      }
    } else {
      return PatchError{name, "unknown section '" + name + "' (expected api, fleet, vehicles, telemetry)"};
    }
    if (error) return error;
  }
  updated.recompute();
  *this = std::move(updated);
  return std::nullopt;
}

std::string FaultPlan::to_json() const {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_string(w, "api");
    write_api(w, api);
    write_string(w, "fleet");
    write_vehicle(w, fleet);
    write_string(w, "vehicles");
    w.StartObject();
    for (const auto& [vin, text] : vehicle_patches_) {
      write_string(w, vin);
      w.RawValue(text.c_str(), text.size(), rapidjson::kObjectType);
    }
    w.EndObject();
    write_string(w, "telemetry");
    w.StartObject();
    write_string(w, "paused");
    w.Bool(telemetry.paused);
    w.EndObject();
    w.EndObject();
  });
}

ApiDecision decide_api(ApiFaults& faults, sim::Random& rng) {
  ApiDecision d;
  d.latency = faults.latency;
  if (!faults.next_errors.empty()) {
    const int next = faults.next_errors.front();
    faults.next_errors.pop_front();
    d.kind = next == kTimeoutMarker ? Injected::timeout : Injected::error;
    d.status = next;
  } else if (rng.chance(faults.timeout_probability)) {
    d.kind = Injected::timeout;
  } else if (!faults.error_statuses.empty() && rng.chance(faults.error_probability)) {
    d.kind = Injected::error;
    d.status = faults.error_statuses[rng.index(faults.error_statuses.size())];
  }
  return d;
}

std::optional<std::chrono::milliseconds> TokenBucket::take(double rps, double burst, SteadyTime now) {
  if (rps <= 0.0) {
    tokens_ = -1.0;  // restarts full when a limit is set again
    return std::nullopt;
  }
  const double capacity = std::max(1.0, burst);
  if (tokens_ < 0.0) {
    tokens_ = capacity;
  } else {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(capacity, tokens_ + std::max(0.0, elapsed) * rps);
  }
  last_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  const double wait_s = (1.0 - tokens_) / rps;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1000.0)));
}

}  // namespace caas::iot_sim
