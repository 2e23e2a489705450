#include "caas/events/ids.hpp"

#include <caas/security/crypto.hpp>

#include <cstdint>

namespace caas::events {

std::string name_based_uuid(std::string_view name, unsigned version) {
  auto d = security::sha256(name);
  d[6] = static_cast<std::uint8_t>((d[6] & 0x0F) | ((version & 0x0F) << 4));
  d[8] = static_cast<std::uint8_t>((d[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 0x0F]);
  }
  return out;
}

std::string derive_event_id(std::string_view kind, std::string_view basis) {
  std::string name;
  name.reserve(kind.size() + basis.size() + 1);
  name.append(kind).push_back('\n');
  name.append(basis);
  return name_based_uuid(name, 5);
}

}  // namespace caas::events
