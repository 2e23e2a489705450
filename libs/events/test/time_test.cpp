#include <catch2/catch.hpp>

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
