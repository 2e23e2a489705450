#include "domain/fault_plan.hpp"

#include <functional>
#include <map>

#include "domain/json_out.hpp"

namespace caas::push_sim {

namespace {

using Member = sim::PatchMember;
using sim::boolean, sim::is_error_status, sim::milliseconds, sim::patch_error, sim::probability;

constexpr std::size_t kMaxFailNext = 1000;
constexpr std::uint64_t kMaxHold = 1'000'000;

Member error_status(int& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!is_error_status(v)) return patch_error(field, "must be an HTTP status in 400..599");
    out = v.GetInt();
    return std::nullopt;
  };
}

Member status_queue(std::deque<int>& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsArray() || v.Size() > kMaxFailNext) {
      return patch_error(field, "must be an array of at most " + std::to_string(kMaxFailNext) + " HTTP statuses");
    }
    std::deque<int> values;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (!is_error_status(v[i]))
        return patch_error(field + "[" + std::to_string(i) + "]", "must be an integer in 400..599");
      values.push_back(v[i].GetInt());
    }
    out = std::move(values);
    return std::nullopt;
  };
}

Member count(std::uint64_t& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsUint64() || v.GetUint64() > kMaxHold) {
      return patch_error(field, "must be an integer in 0.." + std::to_string(kMaxHold));
    }
    out = v.GetUint64();
    return std::nullopt;
  };
}

std::map<std::string, Member> members(FaultPlan& p) {
  return {{"latency_ms", milliseconds(p.latency)},
          {"down", boolean(p.down)},
          {"fail_next", status_queue(p.fail_next)},
          {"fail_rate", probability(p.fail_rate)},
          {"fail_status", error_status(p.fail_status)},
          {"hold_next", count(p.hold_next)},
          {"accept_then_hold_next", count(p.accept_then_hold_next)}};
}

}  // namespace

std::optional<PatchError> apply_fault_patch(FaultPlan& plan, const rapidjson::Value& patch) {
  if (!patch.IsObject()) return PatchError{"", "the fault document must be a JSON object"};
  FaultPlan updated = plan;
  auto table = members(updated);
  for (const auto& m : patch.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    auto member = table.find(name);
    if (member == table.end()) {
      return PatchError{name, "unknown member '" + name +
                                  "' (expected latency_ms, down, fail_next, fail_rate, fail_status, hold_next, "
                                  "accept_then_hold_next)"};
    }
    if (auto e = member->second(m.value, name)) return e;
  }
  plan = std::move(updated);
  return std::nullopt;
}

std::string to_json(const FaultPlan& plan) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_string(w, "latency_ms");
    w.Int64(plan.latency.count());
    write_string(w, "down");
    w.Bool(plan.down);
    write_string(w, "fail_next");
    w.StartArray();
    for (int s : plan.fail_next) w.Int(s);
    w.EndArray();
    write_string(w, "fail_rate");
    w.Double(plan.fail_rate);
    write_string(w, "fail_status");
    w.Int(plan.fail_status);
    write_count(w, "hold_next", plan.hold_next);
    write_count(w, "accept_then_hold_next", plan.accept_then_hold_next);
    w.EndObject();
  });
}

FaultDecision decide_fault(FaultPlan& plan, Random& rng) {
  FaultDecision d;
  d.latency = plan.latency;
  if (plan.down) {
    d.kind = Injected::down;
    d.status = 503;
  } else if (!plan.fail_next.empty()) {
    d.kind = Injected::fail;
    d.status = plan.fail_next.front();
    plan.fail_next.pop_front();
  } else if (plan.hold_next > 0) {
    --plan.hold_next;
    d.kind = Injected::hold;
  } else if (plan.accept_then_hold_next > 0) {
    --plan.accept_then_hold_next;
    d.kind = Injected::accept_then_hold;
  } else if (rng.chance(plan.fail_rate)) {
    d.kind = Injected::fail;
    d.status = plan.fail_status;
  }
  return d;
}

ApiError injected_error(int status) {
  switch (status) {
    case 400:
      return {400, "INVALID_REQUEST", "The gateway rejected the request", std::string()};
    case 401:
      return {401, "UNAUTHORIZED", "Invalid or expired API token", std::nullopt};
    case 403:
      return {403, "FORBIDDEN", "The API token may not send messages", std::nullopt};
    case 404:
      return {404, "RECIPIENT_NOT_FOUND", "The recipient has no registered device", std::nullopt};
    case 409:
      return {409, "CONFLICT", "Conflicting request", std::nullopt};
    case 429:
      return {429, "RATE_LIMITED", "Too many requests, retry later", std::nullopt};
    case 500:
      return {500, "INTERNAL_ERROR", "Internal gateway error", std::nullopt};
    case 502:
      return {502, "BAD_GATEWAY", "Push provider unreachable", std::nullopt};
    case 503:
      return {503, "UNAVAILABLE", "The push gateway is temporarily unavailable", std::nullopt};
    case 504:
      return {504, "GATEWAY_TIMEOUT", "The push provider did not answer in time", std::nullopt};
    case 507:
      return {507, "INSUFFICIENT_STORAGE", "The gateway cannot store more messages", std::nullopt};
    default:
      return {status, status < 500 ? "CLIENT_ERROR" : "SERVER_ERROR", "Injected error", std::nullopt};
  }
}

}  // namespace caas::push_sim
