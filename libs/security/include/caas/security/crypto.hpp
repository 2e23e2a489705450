#pragma once
// Cryptographic primitives over OpenSSL 3 and strict codecs. Byte strings are
// carried in std::string (binary-safe).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "caas/core/result.hpp"

namespace caas::security {

using Digest = std::array<std::uint8_t, 32>;

Digest hmac_sha256(std::string_view key, std::string_view data);
Digest sha256(std::string_view data);
std::string to_bytes(const Digest& d);

/// Compares in time independent of where the inputs differ (CRYPTO_memcmp).
/// Inputs of different length compare unequal; the length itself is not
/// treated as secret (signature and digest lengths are public).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

std::string hex_encode(std::string_view bytes);              // lowercase
Result<std::string> hex_decode(std::string_view hex);        // case-insensitive, even length
std::string base64_encode(std::string_view bytes);           // RFC 4648 §4, padded
Result<std::string> base64_decode(std::string_view b64);     // strict: padding required, no whitespace
std::string base64url_encode(std::string_view bytes);        // RFC 4648 §5, unpadded (JWT)
Result<std::string> base64url_decode(std::string_view b64);  // unpadded, canonical only

}  // namespace caas::security
