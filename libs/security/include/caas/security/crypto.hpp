#pragma once
// Cryptographic primitives over OpenSSL 3 and strict codecs. Byte strings are
// carried in std::string (binary-safe).

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "caas/core/result.hpp"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX (kept out of this header)

namespace caas::security {

using Digest = std::array<std::uint8_t, 32>;

/// One-shot HMAC-SHA256. Uses a process-wide HMAC/SHA-256 context fetched once
/// (no provider lookup per call); prefer HmacSha256Key when the key is reused.
Digest hmac_sha256(std::string_view key, std::string_view data);
/// SHA-256 with a SHA-256 implementation fetched once per process.
Digest sha256(std::string_view data);

/// HMAC-SHA256 keyed once: the constructor fetches nothing per call later and
/// keeps an OpenSSL context already initialised with the key; mac() duplicates
/// that context (EVP_MAC_CTX_dup), so the per-message cost is one context copy
/// plus the hashing. The key bytes live only inside OpenSSL (freed with
/// OPENSSL_secure_clear_free); there is no accessor for them.
///
/// Thread safety: immutable after construction. mac() is const and may be
/// called concurrently from any number of threads on the same object:
/// EVP_MAC_CTX_dup takes the source through a const pointer and only reads it
/// (the provider's dupctx copies the HMAC/digest state and bumps reference
/// counts atomically) — openssl-threads(7): objects are thread-safe as long as
/// the APIs invoked don't modify them (usually marked const).
/// Move-only; a moved-from key may only be destroyed or assigned to.
class HmacSha256Key {
 public:
  /// Throws std::runtime_error if OpenSSL cannot set the key up (never
  /// mentions the key). An empty key is allowed (HMAC with a zero-length key).
  explicit HmacSha256Key(std::string_view key);
  HmacSha256Key(HmacSha256Key&&) noexcept = default;
  HmacSha256Key& operator=(HmacSha256Key&&) noexcept = default;
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;
  ~HmacSha256Key() = default;

  /// HMAC-SHA256(key, data); equal to hmac_sha256(key, data).
  Digest mac(std::string_view data) const;

 private:
  struct CtxFree {
    void operator()(evp_mac_ctx_st* ctx) const noexcept;
  };
  std::unique_ptr<evp_mac_ctx_st, CtxFree> ctx_;
};
std::string to_bytes(const Digest& d);

/// Compares in time independent of where the inputs differ (CRYPTO_memcmp).
/// Inputs of different length compare unequal; the length itself is not
/// treated as secret (signature and digest lengths are public).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

std::string hex_encode(std::string_view bytes);        // lowercase
Result<std::string> hex_decode(std::string_view hex);  // case-insensitive, even length
// The base64 functions are caas/core/base64.hpp, with failures reported as
// SecurityErrc::invalid_encoding.
std::string base64_encode(std::string_view bytes);           // RFC 4648 §4, padded
Result<std::string> base64_decode(std::string_view b64);     // strict: padding required, no whitespace
std::string base64url_encode(std::string_view bytes);        // RFC 4648 §5, unpadded (JWT)
Result<std::string> base64url_decode(std::string_view b64);  // unpadded, canonical only

}  // namespace caas::security
