#pragma once
// A source's active signing secrets. Several may be active so they can be
// rotated: the first line is the current one (used for signing), the others
// are still accepted. Secret material is never printable: there is no
// operator<<, and redacted() shows only ids. Each secret also gets a
// pre-keyed HMAC-SHA256 (HmacSha256Key) when the set is created, so
// verification does no per-message key setup or OpenSSL provider lookups.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "caas/security/crypto.hpp"

namespace caas::security {

/// Which secret verified a message: its position and a log-safe id
/// ("<index>:<first 8 hex of SHA-256(secret)>").
struct SecretMatch {
  std::size_t index = 0;
  std::string id;
};

class SecretSet {
 public:
  /// Loads one secret per line; blank lines and lines starting with '#' are
  /// ignored, surrounding whitespace (incl. CR) is trimmed. A line starting
  /// with `whsec_` is base64-decoded after the prefix (Standard Webhooks
  /// form); any other line is used as raw bytes. Throws std::runtime_error
  /// (naming the file, never the content) when the file is unreadable, empty,
  /// or a whsec_ line is not valid base64.
  static SecretSet load_file(const std::filesystem::path& path);
  /// Same line rules as load_file, from text (e.g. an environment variable).
  static SecretSet parse(std::string_view text, std::string_view origin = "inline");
  /// Secrets already as raw bytes. Throws std::invalid_argument if empty.
  static SecretSet from_bytes(std::vector<std::string> secrets);

  std::size_t size() const noexcept { return secrets_.size(); }
  /// Raw bytes of secret i (0 = current). Do not log.
  const std::string& secret(std::size_t i) const { return secrets_.at(i); }
  const std::string& current() const { return secrets_.front(); }
  const std::string& id(std::size_t i) const { return ids_.at(i); }
  SecretMatch match(std::size_t i) const { return {i, ids_.at(i)}; }
  /// HMAC-SHA256 keyed with secret i, built once with the set. Immutable and
  /// safe to use from several threads; copies of the set share it.
  const HmacSha256Key& hmac_key(std::size_t i) const { return *keys_.at(i); }
  /// "SecretSet{2 secrets: 0:1a2b3c4d, 1:5e6f7a8b}" — safe to log.
  std::string redacted() const;

 private:
  explicit SecretSet(std::vector<std::string> secrets);
  std::vector<std::string> secrets_;
  std::vector<std::string> ids_;
  // shared_ptr<const>: copying a SecretSet shares the keyed contexts (no key
  // setup, no OpenSSL calls), which are never modified after construction.
  std::vector<std::shared_ptr<const HmacSha256Key>> keys_;
};

}  // namespace caas::security
