#include "domain/ids.hpp"

#include <caas/security/crypto.hpp>

namespace caas::order {

std::string derive_event_id(std::string_view cause_id, std::string_view kind) {
  std::string name(cause_id);
  name.append("/").append(kind);
  auto d = security::sha256(name);
  d[6] = static_cast<unsigned char>((d[6] & 0x0F) | 0x80);  // version 8
  d[8] = static_cast<unsigned char>((d[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 0x0F]);
  }
  return out;
}

}  // namespace caas::order
