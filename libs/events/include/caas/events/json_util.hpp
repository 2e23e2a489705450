#pragma once
// Small helpers over RapidJSON: a writer that reads like the JSON it writes,
// and tolerant readers for documents we produced or validated ourselves
// (caas::events::parse_strict_json bounds and checks them first).

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::events::json {

class Writer {
 public:
  Writer& begin_object() {
    w_.StartObject();
    return *this;
  }
  Writer& end_object() {
    w_.EndObject();
    return *this;
  }
  Writer& begin_array() {
    w_.StartArray();
    return *this;
  }
  Writer& end_array() {
    w_.EndArray();
    return *this;
  }
  Writer& key(std::string_view k) {
    w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
  }
  Writer& value(std::string_view v) {
    w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    return *this;
  }
  Writer& value(const char* v) { return value(std::string_view(v)); }
  Writer& value(const std::string& v) { return value(std::string_view(v)); }
  Writer& value(bool v) {
    w_.Bool(v);
    return *this;
  }
  Writer& value(std::int64_t v) {
    w_.Int64(v);
    return *this;
  }
  Writer& value(int v) {
    w_.Int(v);
    return *this;
  }
  Writer& null() {
    w_.Null();
    return *this;
  }
  /// A parsed value, written as it is.
  Writer& value(const rapidjson::Value& v) {
    v.Accept(w_);
    return *this;
  }
  Writer& raw(std::string_view json) {
    w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  template <class T>
  Writer& field(std::string_view k, const T& v) {
    return key(k).value(v);
  }
  /// Omitted when empty (optional string fields of the schemas).
  Writer& field_if(std::string_view k, std::string_view v) { return v.empty() ? *this : field(k, v); }
  /// null when empty (the API shows every field).
  Writer& field_or_null(std::string_view k, const std::string& v) {
    key(k);
    return v.empty() ? null() : value(v);
  }
  Writer& string_array(std::string_view k, const std::vector<std::string>& items) {
    key(k).begin_array();
    for (const auto& s : items) value(s);
    return end_array();
  }
  std::string str() const { return {buffer_.GetString(), buffer_.GetSize()}; }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> w_{buffer_};
};

inline const rapidjson::Value* member(const rapidjson::Value& v, const char* k) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(k);
  return it == v.MemberEnd() ? nullptr : &it->value;
}
inline std::string str(const rapidjson::Value& v, const char* k) {
  const auto* m = member(v, k);
  return m && m->IsString() ? std::string(m->GetString(), m->GetStringLength()) : std::string();
}
inline std::optional<std::int64_t> int64(const rapidjson::Value& v, const char* k) {
  const auto* m = member(v, k);
  if (!m || !m->IsInt64()) return std::nullopt;
  return m->GetInt64();
}
inline bool boolean(const rapidjson::Value& v, const char* k, bool fallback = false) {
  const auto* m = member(v, k);
  return m && m->IsBool() ? m->GetBool() : fallback;
}
inline std::vector<std::string> strings(const rapidjson::Value& v, const char* k) {
  std::vector<std::string> out;
  const auto* m = member(v, k);
  if (!m || !m->IsArray()) return out;
  for (const auto& item : m->GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

}  // namespace caas::events::json
