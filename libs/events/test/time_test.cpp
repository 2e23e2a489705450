#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <random>

#include "caas/events/errors.hpp"
#include "caas/events/time.hpp"

using namespace caas::events;
using namespace std::chrono;

namespace {
system_clock::time_point at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return system_clock::time_point{sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss}};
}
}  // namespace

TEST_CASE("format_rfc3339 writes UTC with milliseconds", "[time]") {
  CHECK(format_rfc3339(at(2024, 1, 15, 10, 30, 0)) == "2024-01-15T10:30:00.000Z");
  CHECK(format_rfc3339(at(2024, 2, 29, 23, 59, 59) + 999999us) == "2024-02-29T23:59:59.999Z");
  CHECK(format_rfc3339(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(system_clock::time_point{} - 1ms) == "1969-12-31T23:59:59.999Z");
  // system_clock counts nanoseconds: it spans 1678..2262.
  CHECK(format_rfc3339(at(1700, 1, 1)) == "1700-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(at(2261, 12, 31, 23, 59, 59) + 999ms) == "2261-12-31T23:59:59.999Z");
}

TEST_CASE("format_rfc3339 agrees with a printf reference and round-trips through parse_rfc3339", "[time]") {
  std::mt19937_64 rng(42);
  const auto lo = at(1900, 1, 1).time_since_epoch().count();
  const auto hi = at(2200, 1, 1).time_since_epoch().count();
  std::uniform_int_distribution<std::int64_t> pick(lo, hi);
  for (int i = 0; i < 20000; ++i) {
    const auto t = floor<milliseconds>(system_clock::time_point{system_clock::duration{pick(rng)}});
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char ref[40];
    std::snprintf(ref, sizeof ref, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
    const auto text = format_rfc3339(t);
    REQUIRE(text == ref);
    auto back = parse_rfc3339(text);
    REQUIRE(back);
    REQUIRE(*back == t);
  }
}

TEST_CASE("parse_rfc3339 accepts valid forms", "[time]") {
  CHECK(parse_rfc3339("2024-01-15T10:30:00Z").value() == at(2024, 1, 15, 10, 30));
  CHECK(parse_rfc3339("2024-01-15t10:30:00z").value() == at(2024, 1, 15, 10, 30));
  CHECK(parse_rfc3339("2024-01-15T10:30:00.5Z").value() == at(2024, 1, 15, 10, 30) + 500ms);
  CHECK(parse_rfc3339("2024-01-15T10:30:00.123456789Z").value() == at(2024, 1, 15, 10, 30) + 123456789ns);
  CHECK(parse_rfc3339("2024-01-15T12:30:00+02:00").value() == at(2024, 1, 15, 10, 30));
  CHECK(parse_rfc3339("2024-01-15T05:00:00-05:30").value() == at(2024, 1, 15, 10, 30));
  CHECK(parse_rfc3339("2024-01-01T00:30:00+01:00").value() == at(2023, 12, 31, 23, 30));
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z"));
  CHECK(parse_rfc3339("2000-02-29T00:00:00Z"));
  const auto now = floor<milliseconds>(system_clock::now());
  CHECK(parse_rfc3339(format_rfc3339(now)).value() == now);
}

TEST_CASE("parse_rfc3339 rejects invalid and non-ISO forms", "[time]") {
  for (const char* bad : {"",
                          "2024-01-15",
                          "2024-01-15T10:30:00",
                          "2024-01-15 10:30:00Z",
                          "20240115T103000Z",
                          "2024-13-01T00:00:00Z",
                          "2024-00-01T00:00:00Z",
                          "2024-02-30T00:00:00Z",
                          "2023-02-29T00:00:00Z",
                          "1900-02-29T00:00:00Z",
                          "2024-04-31T00:00:00Z",
                          "2024-01-15T24:00:00Z",
                          "2024-01-15T10:60:00Z",
                          "2024-01-15T10:30:60Z",
                          "2024-01-15T10:30:00.Z",
                          "2024-01-15T10:30:00.1234567890Z",
                          "2024-01-15T10:30:00+24:00",
                          "2024-01-15T10:30:00+02:60",
                          "2024-01-15T10:30:00+0200",
                          "2024-01-15T10:30:00+02",
                          "2024-01-15T10:30:00ZZ",
                          "2024-01-15T10:30:00Z ",
                          " 2024-01-15T10:30:00Z",
                          "2024-1-15T10:30:00Z",
                          "２０２４-01-15T10:30:00Z",
                          "2024-01-15T10:30:00UTC",
                          "Mon, 15 Jan 2024 10:30:00 GMT"}) {
    INFO(bad);
    auto r = parse_rfc3339(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EventsErrc::invalid_time);
  }
}

TEST_CASE("parse_iso8601 also accepts calendar dates", "[time]") {
  CHECK(parse_iso8601("2024-02-03").value() == at(2024, 2, 3));
  CHECK(parse_iso8601("2024-02-03T10:00:00Z").value() == at(2024, 2, 3, 10));
  CHECK_FALSE(parse_iso8601("2024-02-30"));
  CHECK_FALSE(parse_iso8601("2024-2-3"));
  CHECK(parse_date("2024-02-03").value() == year_month_day{year{2024}, month{2}, day{3}});
  CHECK_FALSE(parse_date("2024-02-03T00:00:00Z"));
}
