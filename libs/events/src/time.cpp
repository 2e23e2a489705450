#include "caas/events/time.hpp"

#include <cstdio>

#include "caas/events/errors.hpp"

namespace caas::events {
namespace {
using namespace std::chrono;

Error bad_time(std::string_view s, const char* why) {
  std::string shown(s.substr(0, 64));
  return Error{make_error_code(EventsErrc::invalid_time), "invalid timestamp '" + shown + "': " + why};
}

// Reads exactly n ASCII digits at pos.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

Result<year_month_day> date_prefix(std::string_view s, std::string_view whole) {
  int y = 0, m = 0, d = 0;
  if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' || !digits(s, 8, 2, d))
    return bad_time(whole, "expected YYYY-MM-DD");
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad_time(whole, "date out of range");
  // Outside this window a time_point in nanoseconds overflows and wraps to a
  // plausible date (found by fuzzing: year 2600 parsed as 2015).
  if (y < 1900 || y > 2200) return bad_time(whole, "year out of range (1900-2200)");
  return ymd;
}
}  // namespace

Result<year_month_day> parse_date(std::string_view s) {
  if (s.size() != 10) return bad_time(s, "expected YYYY-MM-DD");
  return date_prefix(s, s);
}

Result<system_clock::time_point> parse_rfc3339(std::string_view s) {
  auto ymd = date_prefix(s, s);
  if (!ymd) return ymd.error();
  int hh = 0, mm = 0, ss = 0;
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, hh) || s[13] != ':' ||
      !digits(s, 14, 2, mm) || s[16] != ':' || !digits(s, 17, 2, ss))
    return bad_time(s, "expected YYYY-MM-DDTHH:MM:SS");
  if (hh > 23 || mm > 59 || ss > 59) return bad_time(s, "time of day out of range");
  std::size_t pos = 19;
  nanoseconds frac{0};
  if (s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    std::int64_t v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++n > 9) return bad_time(s, "more than 9 fractional digits");
      v = v * 10 + (s[pos] - '0');
      ++pos;
    }
    if (n == 0) return bad_time(s, "empty fraction");
    for (std::size_t i = n; i < 9; ++i) v *= 10;
    frac = nanoseconds{v};
  }
  if (pos >= s.size()) return bad_time(s, "missing UTC offset");
  minutes offset{0};
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return bad_time(s, "expected offset ±hh:mm");
    if (oh > 23 || om > 59) return bad_time(s, "offset out of range");
    offset = hours{oh} + minutes{om};
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return bad_time(s, "expected 'Z' or ±hh:mm");
  }
  if (pos != s.size()) return bad_time(s, "trailing characters");
  const auto local = sys_days{*ymd} + hours{hh} + minutes{mm} + seconds{ss} + frac;
  return time_point_cast<system_clock::duration>(local - offset);
}

Result<system_clock::time_point> parse_iso8601(std::string_view s) {
  if (s.size() == 10) {
    auto d = parse_date(s);
    if (!d) return d.error();
    return system_clock::time_point{sys_days{*d}};
  }
  return parse_rfc3339(s);
}

}  // namespace caas::events
