#pragma once
// The one RFC 3339 formatter of the platform (envelope times, log lines, DLQ
// headers, webhook receipts): UTC, millisecond precision, "Z" suffix, e.g.
// 2026-11-22T10:00:00.123Z. Parsing, which must be strict about hostile
// input, lives in caas::events (time.hpp).

#include <chrono>
#include <cstdio>
#include <string>

namespace caas {

inline std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

}  // namespace caas
