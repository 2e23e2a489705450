#include "domain/order_number.hpp"

#include <caas/events/time.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>

namespace caas::order {

std::string format_order_number(int year, int partition, std::uint64_t sequence) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "ORD-%04d-%02d%06llu", year, partition, static_cast<unsigned long long>(sequence));
  return buf;
}

std::optional<OrderNumberParts> parse_order_number(std::string_view n) {
  if (n.size() < 4 + 5 + 8 || n.substr(0, 4) != "ORD-" || n[8] != '-') return std::nullopt;
  auto digits = [](std::string_view s) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return !s.empty();
  };
  const auto year = n.substr(4, 4), part = n.substr(9, 2), seq = n.substr(11);
  if (!digits(year) || !digits(part) || !digits(seq) || seq.size() < 6) return std::nullopt;
  OrderNumberParts p;
  std::from_chars(year.data(), year.data() + year.size(), p.year);
  std::from_chars(part.data(), part.data() + part.size(), p.partition);
  std::from_chars(seq.data(), seq.data() + seq.size(), p.sequence);
  return p;
}

int year_of(std::string_view rfc3339) {
  auto t = events::parse_rfc3339(rfc3339);
  if (!t) return 0;
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(*t)};
  return static_cast<int>(ymd.year());
}

}  // namespace caas::order
