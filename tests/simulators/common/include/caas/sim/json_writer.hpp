#pragma once
// Small helpers shared by every JSON document a simulator writes (API
// answers, webhooks, control API). RapidJSON's writer escapes strings and
// never produces invalid JSON.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <caas/core/time.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace caas::sim {

using TimePoint = std::chrono::system_clock::time_point;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void write_string(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void write_member(JsonWriter& w, std::string_view key, std::string_view value) {
  write_string(w, key);
  write_string(w, value);
}
inline void write_count(JsonWriter& w, std::string_view key, std::uint64_t n) {
  write_string(w, key);
  w.Uint64(n);
}
inline void write_counts(JsonWriter& w, std::string_view key, const std::map<std::string, std::uint64_t>& counts) {
  write_string(w, key);
  w.StartObject();
  for (const auto& [name, n] : counts) write_count(w, name, n);
  w.EndObject();
}
inline void write_number(JsonWriter& w, std::string_view key, double v) {
  write_string(w, key);
  w.Double(v);
}
/// RFC 3339, UTC, milliseconds ("2026-11-22T10:00:00.123Z").
inline void write_time_member(JsonWriter& w, std::string_view key, TimePoint t) {
  write_member(w, key, format_rfc3339(t));
}

/// Runs `body(writer)` and returns the text.
template <class Body>
std::string build_json(Body&& body) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  body(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace caas::sim
