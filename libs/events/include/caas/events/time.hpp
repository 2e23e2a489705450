#pragma once
// Timestamps on the wire: RFC 3339 in UTC with millisecond precision when we
// write; strict parsing when we read (partners included).

#include <caas/core/time.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "caas/core/result.hpp"

namespace caas::events {

using Clock = std::function<std::chrono::system_clock::time_point()>;
inline std::chrono::system_clock::time_point system_now() {
  return std::chrono::system_clock::now();
}

/// "2024-01-15T10:30:00.123Z" (UTC, milliseconds, truncated toward the past).
using caas::format_rfc3339;  // the platform's one formatter (caas/core/time.hpp)

/// Strict RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±hh:mm)`.
/// 'T'/'Z' may be lowercase (RFC 3339 §5.6). Rejected: out-of-range fields
/// (Feb 30, hour 24, second 60 — leap seconds are not representable), missing
/// offset, space separator, basic format, more than 9 fractional digits,
/// trailing characters. Error: EventsErrc::invalid_time.
Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

/// parse_rfc3339 plus the ISO 8601 calendar date `YYYY-MM-DD` (read as
/// midnight UTC), as the Factory sends for estimated dates.
Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s);

/// Strict `YYYY-MM-DD`.
Result<std::chrono::year_month_day> parse_date(std::string_view s);

}  // namespace caas::events
