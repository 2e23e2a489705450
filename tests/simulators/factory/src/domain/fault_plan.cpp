#include "domain/fault_plan.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "domain/json_out.hpp"

namespace caas::factory_sim {

namespace {

using Member = sim::PatchMember;
using sim::boolean, sim::error_queue, sim::milliseconds, sim::patch_error, sim::probability, sim::status_list;

Member auth_status(std::optional<int>& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (v.IsNull()) {
      out.reset();
    } else if (v.IsInt() && (v.GetInt() == 401 || v.GetInt() == 403)) {
      out = v.GetInt();
    } else {
      return patch_error(field, "must be null, 401 or 403");
    }
    return std::nullopt;
  };
}

Member silent_list(std::vector<Status>& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsArray()) return patch_error(field, "must be an array of status names");
    std::vector<Status> values;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      std::optional<Status> s;
      if (v[i].IsString()) s = parse_status(v[i].GetString());
      if (!s)
        return patch_error(field + "[" + std::to_string(i) + "]", "must be a Factory status such as ASSEMBLY_COMPLETE");
      if (std::find(values.begin(), values.end(), *s) == values.end()) values.push_back(*s);
    }
    out = std::move(values);
    return std::nullopt;
  };
}

using Section = sim::PatchSection;

Section endpoint_section(EndpointFaults& f) {
  return {{"latency_ms", milliseconds(f.latency)},
          {"timeout_probability", probability(f.timeout_probability)},
          {"error_probability", probability(f.error_probability)},
          {"error_statuses", status_list(f.error_statuses)},
          {"next_errors", error_queue(f.next_errors)},
          {"reject_400_probability", probability(f.reject_400_probability)},
          {"auth_failure", auth_status(f.auth_failure)}};
}

std::map<std::string, Section> sections(FaultPlan& p) {
  return {{"placement", endpoint_section(p.placement)},
          {"status_query", endpoint_section(p.status_query)},
          {"webhooks",
           {{"drop_probability", probability(p.webhooks.drop_probability)},
            {"duplicate_probability", probability(p.webhooks.duplicate_probability)},
            {"reorder_probability", probability(p.webhooks.reorder_probability)},
            {"silent_statuses", silent_list(p.webhooks.silent_statuses)},
            {"down", boolean(p.webhooks.down)}}},
          {"production",
           {{"qc_failure_probability", probability(p.production.qc_failure_probability)},
            {"paused", boolean(p.production.paused)}}}};
}

std::string name_of(const rapidjson::Value& name) {
  return std::string(name.GetString(), name.GetStringLength());
}

void write_endpoint(JsonWriter& w, const EndpointFaults& f) {
  w.StartObject();
  write_string(w, "latency_ms");
  w.Int64(f.latency.count());
  write_number(w, "timeout_probability", f.timeout_probability);
  write_number(w, "error_probability", f.error_probability);
  sim::write_status_list(w, "error_statuses", f.error_statuses);
  sim::write_error_queue(w, "next_errors", f.next_errors);
  write_number(w, "reject_400_probability", f.reject_400_probability);
  write_string(w, "auth_failure");
  if (f.auth_failure) {
    w.Int(*f.auth_failure);
  } else {
    w.Null();
  }
  w.EndObject();
}

}  // namespace

std::optional<PatchError> apply_fault_patch(FaultPlan& plan, const rapidjson::Value& patch) {
  if (!patch.IsObject()) return PatchError{"", "the fault document must be a JSON object"};
  FaultPlan updated = plan;
  auto table = sections(updated);
  for (const auto& section : patch.GetObject()) {
    const std::string section_name = name_of(section.name);
    auto s = table.find(section_name);
    if (s == table.end()) {
      return PatchError{section_name, "unknown section '" + section_name +
                                          "' (expected placement, status_query, webhooks, production)"};
    }
    if (auto e = sim::apply_members(s->second, section.value, section_name)) return e;
  }
  plan = std::move(updated);
  return std::nullopt;
}

std::string to_json(const FaultPlan& plan) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_string(w, "placement");
    write_endpoint(w, plan.placement);
    write_string(w, "status_query");
    write_endpoint(w, plan.status_query);
    write_string(w, "webhooks");
    w.StartObject();
    write_number(w, "drop_probability", plan.webhooks.drop_probability);
    write_number(w, "duplicate_probability", plan.webhooks.duplicate_probability);
    write_number(w, "reorder_probability", plan.webhooks.reorder_probability);
    write_string(w, "silent_statuses");
    w.StartArray();
    for (Status s : plan.webhooks.silent_statuses) write_string(w, to_string(s));
    w.EndArray();
    write_string(w, "down");
    w.Bool(plan.webhooks.down);
    w.EndObject();
    write_string(w, "production");
    w.StartObject();
    write_number(w, "qc_failure_probability", plan.production.qc_failure_probability);
    write_string(w, "paused");
    w.Bool(plan.production.paused);
    w.EndObject();
    w.EndObject();
  });
}

EndpointDecision decide_endpoint(EndpointFaults& faults, Random& rng) {
  EndpointDecision d;
  d.latency = faults.latency;
  if (faults.auth_failure) {
    d.kind = Injected::auth;
    d.status = *faults.auth_failure;
  } else if (!faults.next_errors.empty()) {
    const int next = faults.next_errors.front();
    faults.next_errors.pop_front();
    d.kind = next == kTimeoutMarker ? Injected::timeout : Injected::error;
    d.status = next;
  } else if (rng.chance(faults.timeout_probability)) {
    d.kind = Injected::timeout;
  } else if (!faults.error_statuses.empty() && rng.chance(faults.error_probability)) {
    d.kind = Injected::error;
    d.status = faults.error_statuses[rng.index(faults.error_statuses.size())];
  } else if (rng.chance(faults.reject_400_probability)) {
    d.kind = Injected::error;
    d.status = 400;
  }
  return d;
}

ApiError injected_error(int status) {
  switch (status) {
    case 400:
      return {400, "INVALID_SPECIFICATION", "The Factory rejected the order specification", "vehicle_specification"};
    case 401:
      return {401, "UNAUTHORIZED", "Invalid or expired API token", ""};
    case 403:
      return {403, "FORBIDDEN", "The API token may not perform this operation", ""};
    case 404:
      return {404, "ORDER_NOT_FOUND", "Order not found", ""};
    case 409:
      return {409, "CONFLICT", "Conflicting request", ""};
    case 429:
      return {429, "RATE_LIMITED", "Too many requests", ""};
    case 500:
      return {500, "INTERNAL_ERROR", "Internal Factory error", ""};
    case 502:
      return {502, "BAD_GATEWAY", "Factory upstream unavailable", ""};
    case 503:
      return {503, "SERVICE_UNAVAILABLE", "Factory temporarily unavailable", ""};
    case 504:
      return {504, "GATEWAY_TIMEOUT", "Factory upstream timed out", ""};
    default:
      return {status, status < 500 ? "CLIENT_ERROR" : "SERVER_ERROR", "Injected error", ""};
  }
}

WebhookDecision decide_webhook(const WebhookFaults& faults, Status status, Random& rng) {
  WebhookDecision d;
  if (std::find(faults.silent_statuses.begin(), faults.silent_statuses.end(), status) != faults.silent_statuses.end()) {
    d.silent = true;
    return d;
  }
  if (rng.chance(faults.drop_probability)) {
    d.dropped = true;
    return d;
  }
  d.duplicate = rng.chance(faults.duplicate_probability);
  d.reorder = rng.chance(faults.reorder_probability);
  return d;
}

}  // namespace caas::factory_sim
