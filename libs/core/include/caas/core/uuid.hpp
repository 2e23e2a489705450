#pragma once
// The one UUID text formatter of the platform (RFC 9562 §4): random ids
// (version 4), name-based event ids (version 5 from SHA-256, and 8) and
// request ids all go through it, so every id has the same shape.

#include <cstdint>
#include <span>
#include <string>

namespace caas {

/// The 36-character lowercase form "xxxxxxxx-xxxx-Vxxx-Nxxx-xxxxxxxxxxxx" of
/// `bytes`, after setting the version nibble to `version` (0..15) and the
/// variant bits to 10 (RFC 9562 §4.1). The other 122 bits are used as given.
std::string format_uuid(std::span<const std::uint8_t, 16> bytes, unsigned version);

}  // namespace caas
