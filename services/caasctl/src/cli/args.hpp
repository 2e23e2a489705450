#pragma once
// The value syntaxes every caasctl command shares: exit codes, output
// formats, points in time and offsets. Pure (no Kafka, no clock it is not
// given), so caasctl_test covers them without a broker.

#include <caas/core/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::ctl {

/// The contract of issue 16: never 0 on an error.
enum class Exit : int {
  ok = 0,
  error = 1,  // any failure, authorisation included
  usage = 2,  // bad arguments
  nothing_matched = 3,
  partial = 4,      // a batch partly failed
  differences = 5,  // verify replay found differences
};
inline int code(Exit e) {
  return static_cast<int>(e);
}

enum class Format { table, wide, json, jsonl };
/// "table|wide|json|jsonl"; empty = table on a terminal, JSON lines otherwise.
Result<Format> parse_format(std::string_view text, bool stdout_is_terminal);

using TimePoint = std::chrono::system_clock::time_point;

/// RFC 3339 ("2026-12-03T10:00:00Z"), epoch milliseconds ("1764756000000"),
/// or a duration relative to `now`: "-1h", "-15m", "-30s", "-2d", "-500ms"
/// ("+" for the future, the sign is required).
Result<TimePoint> parse_time(std::string_view text, TimePoint now);

/// A duration such as "1h", "15m", "30s", "2d", "500ms" (no sign).
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

/// start | end | N (absolute) | +N (N after the start) | -N (N before the end).
struct OffsetSpec {
  enum class Kind { start, end, absolute, from_start, from_end };
  Kind kind = Kind::start;
  std::int64_t n = 0;
  /// The offset to read from in a partition holding [low, high).
  std::int64_t resolve(std::int64_t low, std::int64_t high) const;
};
Result<OffsetSpec> parse_offset(std::string_view text);

/// "H=V" (a header filter); the value may contain '='.
Result<std::pair<std::string, std::string>> parse_header_filter(std::string_view text);

/// "<topic>/<partition>/<offset>", how a dead letter is named on the command line.
struct RecordRef {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string str() const;
  bool operator==(const RecordRef&) const = default;
  auto operator<=>(const RecordRef&) const = default;
};
Result<RecordRef> parse_record_ref(std::string_view text);

/// "12 s ago", "3 min ago", "in 2 h": for the table view.
std::string relative(TimePoint t, TimePoint now);

Error usage_error(std::string message);

}  // namespace caas::ctl
