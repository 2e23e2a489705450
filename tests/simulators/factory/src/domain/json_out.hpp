#pragma once
// Small helpers shared by every JSON document the simulator writes (Factory
// API bodies, webhooks, control API). RapidJSON's writer escapes strings and
// never produces invalid JSON.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <caas/core/time.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace caas::factory_sim {

using TimePoint = std::chrono::system_clock::time_point;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

/// "YYYY-MM-DD" (seed 000 estimated_delivery_date).
inline std::string format_date(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

inline void write_string(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void write_member(JsonWriter& w, std::string_view key, std::string_view value) {
  write_string(w, key);
  write_string(w, value);
}
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

}  // namespace caas::factory_sim
