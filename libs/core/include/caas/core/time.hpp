#pragma once
// The one RFC 3339 formatter of the platform (envelope times, log lines, DLQ
// headers, webhook receipts): UTC, millisecond precision, "Z" suffix, e.g.
// 2026-11-22T10:00:00.123Z. Parsing, which must be strict about hostile
// input, lives in caas::events (time.hpp).

#include <chrono>
#include <string>

namespace caas {

namespace detail {
// Writes `value` as exactly `width` decimal digits (zero-padded) at `out`.
inline char* put_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}
}  // namespace detail

/// Years 0..9999 (what RFC 3339 can express). Hand-formatted: it runs for
/// every log line and several times per webhook, where snprintf's format
/// parsing showed up in profiles.
inline std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  const int year = static_cast<int>(ymd.year());
  std::string out(24, '\0');  // 2026-11-22T10:00:00.123Z
  char* p = out.data();
  p = detail::put_digits(p, static_cast<unsigned>(year < 0 ? 0 : (year > 9999 ? 9999 : year)), 4);
  *p++ = '-';
  p = detail::put_digits(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  p = detail::put_digits(p, static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  p = detail::put_digits(p, static_cast<unsigned>(hms.hours().count()), 2);
  *p++ = ':';
  p = detail::put_digits(p, static_cast<unsigned>(hms.minutes().count()), 2);
  *p++ = ':';
  p = detail::put_digits(p, static_cast<unsigned>(hms.seconds().count()), 2);
  *p++ = '.';
  p = detail::put_digits(p, static_cast<unsigned>(hms.subseconds().count()), 3);
  *p = 'Z';
  return out;
}

}  // namespace caas
