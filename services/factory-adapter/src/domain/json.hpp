#pragma once
// Small helpers around RapidJSON so the rest of the adapter reads as data, not
// as writer calls. Output is compact JSON; input comes from
// caas::events::parse_strict_json (already bounded and validated).

#include <caas/events/json.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::factory {

/// Builds one JSON text. Calls mirror the JSON structure:
///   JsonOut j; j.begin(); j.field("a", "x").field("n", 3); j.end(); j.take();
class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}
  JsonOut& begin() {
    writer_.StartObject();
    return *this;
  }
  JsonOut& end() {
    writer_.EndObject();
    return *this;
  }
  JsonOut& begin_array() {
    writer_.StartArray();
    return *this;
  }
  JsonOut& end_array() {
    writer_.EndArray();
    return *this;
  }
  JsonOut& key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
  }
  JsonOut& str(std::string_view v) {
    writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    return *this;
  }
  JsonOut& num(std::int64_t v) {
    writer_.Int64(v);
    return *this;
  }
  JsonOut& boolean(bool v) {
    writer_.Bool(v);
    return *this;
  }
  JsonOut& null() {
    writer_.Null();
    return *this;
  }
  /// Inserts already-serialised JSON (an object/array/scalar text) verbatim.
  JsonOut& raw(std::string_view json) {
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  JsonOut& value(const rapidjson::Value& v) {
    v.Accept(writer_);
    return *this;
  }

  JsonOut& field(std::string_view k, std::string_view v) { return key(k).str(v); }
  JsonOut& field(std::string_view k, const char* v) { return key(k).str(v); }
  JsonOut& field(std::string_view k, const std::string& v) { return key(k).str(v); }
  JsonOut& field(std::string_view k, std::int64_t v) { return key(k).num(v); }
  JsonOut& field(std::string_view k, int v) { return key(k).num(v); }
  JsonOut& field(std::string_view k, bool v) { return key(k).boolean(v); }
  /// Writes the member only when the value is present / non-empty.
  JsonOut& optional_field(std::string_view k, std::string_view v) {
    if (!v.empty()) field(k, v);
    return *this;
  }

  std::string take() { return {buffer_.GetString(), buffer_.GetSize()}; }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

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
