#include "caas/events/ids.hpp"

#include <caas/core/uuid.hpp>
#include <caas/security/crypto.hpp>

#include <cstdint>

namespace caas::events {

std::string name_based_uuid(std::string_view name, unsigned version) {
  auto d = security::sha256(name);
  // The first 16 bytes of the digest; version and variant bits are overwritten.
  return format_uuid(std::span<const std::uint8_t, 16>(d.data(), 16), version);
}

std::string derive_event_id(std::string_view kind, std::string_view basis) {
  std::string name;
  name.reserve(kind.size() + basis.size() + 1);
  name.append(kind).push_back('\n');
  name.append(basis);
  return name_based_uuid(name, 5);
}

}  // namespace caas::events
