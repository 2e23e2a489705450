#pragma once
// Human-readable order numbers, unique without coordination between replicas:
//   ORD-<year>-<PP><SSSSSS>   e.g. ORD-2026-03000123 = partition 3, 123rd sale of 2026 there
// The partition owner assigns the next number of (year, partition) when it
// applies register-sale, in the same atomic write as the order. A partition
// has one owner at a time and its sequence is a deterministic function of
// the partition's command log, so a new owner (or a replay) continues it
// without ever handing out a number twice. The two-digit partition prefix
// keeps numbers of different partitions apart (up to 100 partitions); the
// sequence widens past 6 digits if it must. Matches ^ORD-[0-9]{4}-[0-9]{6,}$.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::order {

std::string format_order_number(int year, int partition, std::uint64_t sequence);

struct OrderNumberParts {
  int year = 0;
  int partition = 0;
  std::uint64_t sequence = 0;
};
std::optional<OrderNumberParts> parse_order_number(std::string_view number);

/// Year (UTC) of an RFC 3339 time, 0 when unparseable.
int year_of(std::string_view rfc3339);

}  // namespace caas::order
