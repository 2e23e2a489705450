#pragma once
// Reading helpers around RapidJSON for the adapter's inputs, which come from
// caas::events::parse_strict_json (already bounded and validated). Output is
// written with the platform's events::json::Writer.

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::factory {

/// A strictly parsed (caas::events::parse_strict_json) JSON object, or
/// nullopt for anything else.
inline std::optional<rapidjson::Document> parse_object(std::string_view json) {
  auto doc = events::parse_strict_json(json);
  if (!doc || !doc->IsObject()) return std::nullopt;
  return std::move(doc.value());
}

inline const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

inline std::optional<std::string> get_string(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

inline std::string string_or(const rapidjson::Value& obj, const char* name, std::string fallback = {}) {
  auto v = get_string(obj, name);
  return v ? std::move(*v) : std::move(fallback);
}

inline std::optional<std::int64_t> get_int(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

inline std::int64_t int_or(const rapidjson::Value& obj, const char* name, std::int64_t fallback = 0) {
  return get_int(obj, name).value_or(fallback);
}

inline bool bool_or(const rapidjson::Value& obj, const char* name, bool fallback = false) {
  const auto* v = member(obj, name);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

/// Compact text of one value (e.g. a nested object copied verbatim).
inline std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace caas::factory
