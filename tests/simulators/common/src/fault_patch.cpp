#include "caas/sim/fault_patch.hpp"

#include <cstdint>
#include <string_view>
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

PatchMember status_list(std::vector<int>& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsArray() || v.Empty() || v.Size() > 16)
      return patch_error(field, "must be an array of 1..16 HTTP statuses");
    std::vector<int> values;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (!is_error_status(v[i]))
        return patch_error(field + "[" + std::to_string(i) + "]", "must be an integer in 400..599");
      values.push_back(v[i].GetInt());
    }
    out = std::move(values);
    return std::nullopt;
  };
}

PatchMember error_queue(std::deque<int>& out) {
  return [&out](const rapidjson::Value& v, const std::string& field) -> std::optional<PatchError> {
    if (!v.IsArray() || v.Size() > 1000) return patch_error(field, "must be an array of at most 1000 entries");
    std::deque<int> values;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (v[i].IsString() && std::string_view(v[i].GetString()) == "timeout") {
        values.push_back(kTimeoutMarker);
      } else if (is_error_status(v[i])) {
        values.push_back(v[i].GetInt());
      } else {
        return patch_error(field + "[" + std::to_string(i) + "]", "must be an integer in 400..599 or \"timeout\"");
      }
    }
    out = std::move(values);
    return std::nullopt;
  };
}

std::optional<PatchError> apply_members(const PatchSection& section, const rapidjson::Value& object,
                                        const std::string& prefix) {
  if (!object.IsObject()) return patch_error(prefix, "must be an object");
  for (const auto& m : object.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    const std::string field = prefix + "." + name;
    auto member = section.find(name);
    if (member == section.end()) return PatchError{field, "unknown member " + field};
    if (auto e = member->second(m.value, field)) return e;
  }
  return std::nullopt;
}

void write_status_list(JsonWriter& w, std::string_view key, const std::vector<int>& statuses) {
  write_string(w, key);
  w.StartArray();
  for (int s : statuses) w.Int(s);
  w.EndArray();
}

void write_error_queue(JsonWriter& w, std::string_view key, const std::deque<int>& queue) {
  write_string(w, key);
  w.StartArray();
  for (int s : queue) {
    if (s == kTimeoutMarker) {
      write_string(w, "timeout");
    } else {
      w.Int(s);
    }
  }
  w.EndArray();
}

}  // namespace caas::sim
