#include "caas/security/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

#include "caas/core/base64.hpp"
#include "caas/security/errors.hpp"

namespace caas::security {
namespace {
Error encoding_error(std::string msg) {
  return Error{make_error_code(SecurityErrc::invalid_encoding), std::move(msg)};
}

// The codec lives in caas/core; here its failures keep this library's code,
// which callers map to "401 malformed signature" and the like.
Result<std::string> as_security_error(Result<std::string> decoded) {
  if (decoded.ok()) return decoded;
  return encoding_error(decoded.error().message);
}
}  // namespace

namespace {
struct MacFree {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
struct MdFree {
  void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// Process-wide HMAC context with the digest set to SHA-256 and no key. Built
// once (EVP_MAC_fetch + digest fetch happen here only) and never modified
// afterwards: it is only ever the const source of EVP_MAC_CTX_dup, which is
// safe from several threads at once (see HmacSha256Key in crypto.hpp).
const EVP_MAC_CTX* hmac_sha256_template() {
  static const MacCtxPtr tmpl = [] {
    const std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) throw std::runtime_error("HMAC unavailable in OpenSSL");
    MacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));  // holds its own reference to mac
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_CTX_set_params(ctx.get(), params) != 1)
      throw std::runtime_error("HMAC-SHA256 context setup failed");
    return ctx;
  }();
  return tmpl.get();
}

// SHA-256 implementation fetched once; immutable afterwards.
const EVP_MD* sha256_md() {
  static const std::unique_ptr<EVP_MD, MdFree> md = [] {
    std::unique_ptr<EVP_MD, MdFree> m(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (!m) throw std::runtime_error("SHA-256 unavailable in OpenSSL");
    return m;
  }();
  return md.get();
}

MacCtxPtr dup_ctx(const EVP_MAC_CTX* src) {
  MacCtxPtr ctx(EVP_MAC_CTX_dup(src));
  if (!ctx) throw std::runtime_error("HMAC-SHA256 failed");
  return ctx;
}

// Keys the (unkeyed, digest-set) context. A non-null pointer is passed even
// for an empty key: OpenSSL treats a null key as "re-initialise with the
// previous key", which a fresh context does not have.
void set_key(EVP_MAC_CTX* ctx, std::string_view key) {
  static const unsigned char kNoKey = 0;
  const auto* k = key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx, k, key.size(), nullptr) != 1) throw std::runtime_error("HMAC-SHA256 key setup failed");
}

Digest finish(EVP_MAC_CTX* ctx, std::string_view data) {
  Digest out{};
  std::size_t len = 0;
  if (EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != out.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}
}  // namespace

Digest hmac_sha256(std::string_view key, std::string_view data) {
  auto ctx = dup_ctx(hmac_sha256_template());
  set_key(ctx.get(), key);
  return finish(ctx.get(), data);
}

Digest sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_md(), nullptr) != 1 || len != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

void HmacSha256Key::CtxFree::operator()(evp_mac_ctx_st* ctx) const noexcept {
  EVP_MAC_CTX_free(ctx);
}

HmacSha256Key::HmacSha256Key(std::string_view key) {
  auto ctx = dup_ctx(hmac_sha256_template());
  set_key(ctx.get(), key);
  ctx_.reset(ctx.release());
}

Digest HmacSha256Key::mac(std::string_view data) const {
  if (!ctx_) throw std::logic_error("HmacSha256Key used after move");
  // Each call works on its own copy of the keyed context; ctx_ is only read.
  auto ctx = dup_ctx(ctx_.get());
  return finish(ctx.get(), data);
}

std::string to_bytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    // Still touch the data so a length mismatch costs about the same.
    (void)CRYPTO_memcmp(a.data(), a.data(), a.size());
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hex_encode(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) return encoding_error("hex: odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return encoding_error("hex: invalid character");
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return caas::base64_encode(bytes);
}

Result<std::string> base64_decode(std::string_view b64) {
  return as_security_error(caas::base64_decode(b64));
}

std::string base64url_encode(std::string_view bytes) {
  return caas::base64url_encode(bytes);
}

Result<std::string> base64url_decode(std::string_view b64) {
  return as_security_error(caas::base64url_decode(b64));
}

}  // namespace caas::security
