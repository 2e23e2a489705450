#include "caas/sim/fault_patch.hpp"

#include <cstdint>
#include <utility>

namespace caas::sim {

namespace {

constexpr std::int64_t kMaxLatencyMs = 600'000;

}  // namespace

std::optional<PatchError> patch_error(const std::string& field, std::string message) {
  return PatchError{field, field + " " + std::move(message)};
}

bool is_error_status(const rapidjson::Value& v) {
  return v.IsInt() && v.GetInt() >= 400 && v.GetInt() <= 599;
}

PatchMember probability(double& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsNumber() || v.GetDouble() < 0.0 || v.GetDouble() > 1.0) {
      return patch_error(field, "must be a number in [0, 1]");
    }
    out = v.GetDouble();
    return std::nullopt;
  };
}

PatchMember boolean(bool& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsBool()) return patch_error(field, "must be true or false");
    out = v.GetBool();
    return std::nullopt;
  };
}

PatchMember milliseconds(std::chrono::milliseconds& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsInt64() || v.GetInt64() < 0 || v.GetInt64() > kMaxLatencyMs) {
      return patch_error(field, "must be an integer number of milliseconds in 0.." + std::to_string(kMaxLatencyMs));
    }
    out = std::chrono::milliseconds(v.GetInt64());
    return std::nullopt;
  };
}

}  // namespace caas::sim
