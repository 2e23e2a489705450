#pragma once
// Byte encodings private to the store: varints, big-endian integers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::store::detail {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7FU) | 0x80U));
    v >>= 7U;
  }
  out.push_back(static_cast<char>(v));
}

/// Reads a varint from the front of `in`, advancing it.
inline std::optional<std::uint64_t> get_varint(std::string_view& in) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return std::nullopt;
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(b & 0x7FU) << shift;
    if ((b & 0x80U) == 0) return v;
  }
  return std::nullopt;
}

inline void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

inline std::optional<std::string_view> get_bytes(std::string_view& in) {
  auto n = get_varint(in);
  if (!n || *n > in.size()) return std::nullopt;
  auto s = in.substr(0, *n);
  in.remove_prefix(*n);
  return s;
}

inline std::string be64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFFU);
    v >>= 8U;
  }
  return out;
}

inline std::optional<std::uint64_t> from_be64(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = (v << 8U) | static_cast<unsigned char>(c);
  return v;
}

inline std::string be32(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFFU);
    v >>= 8U;
  }
  return out;
}

// Zig-zag keeps small negative numbers (partition -1, offset -1) short.
inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1U) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1U) ^ -static_cast<std::int64_t>(v & 1U);
}

}  // namespace caas::store::detail
