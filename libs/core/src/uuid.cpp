#include "caas/core/uuid.hpp"

namespace caas {

std::string format_uuid(std::span<const std::uint8_t, 16> bytes, unsigned version) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    unsigned b = bytes[i];
    if (i == 6) b = (b & 0x0FU) | ((version & 0x0FU) << 4);
    if (i == 8) b = (b & 0x3FU) | 0x80U;  // variant 10xx
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0FU]);
  }
  return out;
}

}  // namespace caas
