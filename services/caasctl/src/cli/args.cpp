#include "cli/args.hpp"

#include <caas/core/time.hpp>
#include <caas/events/time.hpp>

#include <cctype>
#include <charconv>
#include <system_error>

namespace caas::ctl {

namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return v;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Error usage_error(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

Result<Format> parse_format(std::string_view text, bool stdout_is_terminal) {
  if (text.empty()) return stdout_is_terminal ? Format::table : Format::jsonl;
  if (text == "table") return Format::table;
  if (text == "wide") return Format::wide;
  if (text == "json") return Format::json;
  if (text == "jsonl") return Format::jsonl;
  return usage_error("unknown output format '" + std::string(text) + "' (table, wide, json or jsonl)");
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const auto n = parse_int(text.substr(0, digits));
  const auto unit = text.substr(digits);
  if (!n) return usage_error("bad duration '" + std::string(text) + "' (e.g. 500ms, 30s, 15m, 1h, 2d)");
  using namespace std::chrono;
  if (unit == "ms") return milliseconds(*n);
  if (unit == "s") return duration_cast<milliseconds>(seconds(*n));
  if (unit == "m") return duration_cast<milliseconds>(minutes(*n));
  if (unit == "h") return duration_cast<milliseconds>(hours(*n));
  if (unit == "d") return duration_cast<milliseconds>(hours(24 * *n));
  return usage_error("bad duration unit in '" + std::string(text) + "' (ms, s, m, h or d)");
}

Result<TimePoint> parse_time(std::string_view text, TimePoint now) {
  if (text.empty()) return usage_error("empty time");
  if (text[0] == '-' || text[0] == '+') {
    auto d = parse_duration(text.substr(1));
    if (!d) return d.error();
    return text[0] == '-' ? now - *d : now + *d;
  }
  if (all_digits(text)) {
    const auto ms = parse_int(text);
    if (!ms) return usage_error("bad epoch milliseconds '" + std::string(text) + "'");
    return TimePoint(std::chrono::milliseconds(*ms));
  }
  auto t = events::parse_rfc3339(text);
  if (!t) {
    return usage_error("bad time '" + std::string(text) +
                       "': RFC 3339 (2026-12-03T10:00:00Z), epoch ms, or relative (-1h, -15m)");
  }
  return *t;
}

std::int64_t OffsetSpec::resolve(std::int64_t low, std::int64_t high) const {
  auto clamp = [&](std::int64_t v) { return v < low ? low : (v > high ? high : v); };
  switch (kind) {
    case Kind::start:
      return low;
    case Kind::end:
      return high;
    case Kind::absolute:
      return clamp(n);
    case Kind::from_start:
      return clamp(low + n);
    case Kind::from_end:
      return clamp(high - n);
  }
  return low;
}

Result<OffsetSpec> parse_offset(std::string_view text) {
  if (text == "start" || text == "beginning") return OffsetSpec{OffsetSpec::Kind::start, 0};
  if (text == "end") return OffsetSpec{OffsetSpec::Kind::end, 0};
  auto bad = [&] { return usage_error("bad offset '" + std::string(text) + "' (start, end, N, +N or -N)"); };
  if (text.empty()) return bad();
  const char sign = text[0];
  const auto digits = (sign == '+' || sign == '-') ? text.substr(1) : text;
  if (!all_digits(digits)) return bad();
  const auto n = parse_int(digits);
  if (!n) return bad();
  if (sign == '+') return OffsetSpec{OffsetSpec::Kind::from_start, *n};
  if (sign == '-') return OffsetSpec{OffsetSpec::Kind::from_end, *n};
  return OffsetSpec{OffsetSpec::Kind::absolute, *n};
}

Result<std::pair<std::string, std::string>> parse_header_filter(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return usage_error("bad header filter '" + std::string(text) + "' (NAME=VALUE)");
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

std::string RecordRef::str() const {
  return topic + "/" + std::to_string(partition) + "/" + std::to_string(offset);
}

Result<RecordRef> parse_record_ref(std::string_view text) {
  const auto last = text.rfind('/');
  const auto mid = last == std::string_view::npos || last == 0 ? std::string_view::npos : text.rfind('/', last - 1);
  auto bad = [&] { return usage_error("bad record reference '" + std::string(text) + "' (TOPIC/PARTITION/OFFSET)"); };
  if (mid == std::string_view::npos || mid == 0) return bad();
  const auto partition = parse_int(text.substr(mid + 1, last - mid - 1));
  const auto offset = parse_int(text.substr(last + 1));
  if (!partition || !offset || *partition < 0 || *offset < 0 || *partition > INT32_MAX) return bad();
  return RecordRef{std::string(text.substr(0, mid)), static_cast<std::int32_t>(*partition), *offset};
}

std::string relative(TimePoint t, TimePoint now) {
  using namespace std::chrono;
  const auto d = duration_cast<seconds>(now - t).count();
  const auto a = d < 0 ? -d : d;
  std::string amount;
  if (a < 120) {
    amount = std::to_string(a) + " s";
  } else if (a < 7200) {
    amount = std::to_string(a / 60) + " min";
  } else if (a < 172800) {
    amount = std::to_string(a / 3600) + " h";
  } else {
    amount = std::to_string(a / 86400) + " d";
  }
  return d < 0 ? "in " + amount : amount + " ago";
}

}  // namespace caas::ctl
