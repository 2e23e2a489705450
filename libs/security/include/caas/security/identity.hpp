#pragma once
// Caller identity for the intranet/customer APIs (DESIGN §6): API keys with
// roles for systems and employees, HS256 bearer tokens for customers.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caas/core/result.hpp"
#include "caas/security/crypto.hpp"

namespace caas::security {

enum class Role { admin, operator_, dealer, system, customer };

std::string_view to_string(Role r) noexcept;  // "admin", "operator", ...
std::optional<Role> parse_role(std::string_view s) noexcept;

struct Principal {
  Role role = Role::customer;
  std::string subject;  // dealer id, employee id, system name, customer id
  bool operator==(const Principal&) const = default;
};

/// API keys, stored only as SHA-256 digests. File format (CAAS_API_KEYS_FILE):
/// `key role subject` per line, whitespace-separated; blank and '#' lines
/// ignored. Keys must be >= 16 characters and unique; role one of admin,
/// operator, dealer, system (customer is for tokens only).
class ApiKeyStore {
 public:
  /// Throws std::runtime_error (with file and line number, never the key).
  static ApiKeyStore load_file(const std::filesystem::path& path);
  static ApiKeyStore parse(std::string_view text, std::string_view origin = "inline");

  /// Compares the presented key's digest with every entry (no early exit)
  /// using constant_time_equal. Error: unknown_key.
  Result<Principal> authenticate(std::string_view presented_key) const;
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    Digest digest;
    Principal principal;
  };
  std::vector<Entry> entries_;
};

struct TokenClaims {
  std::string sub;
  Role role = Role::customer;
  std::chrono::system_clock::time_point exp;
  std::chrono::system_clock::time_point iat;
};

/// JWT compact form, header {"alg":"HS256","typ":"JWT"}; times as NumericDate.
std::string issue_token(const TokenClaims& claims, std::string_view secret);

/// Checks structure, base64url, alg == HS256 (anything else incl. "none" →
/// unsupported_algorithm), signature (constant time), sub and exp present
/// (missing_claim), now < exp (token_expired), nbf if present. A missing role
/// means customer. Tokens longer than 8 KiB are malformed.
Result<Principal> verify_token(std::string_view token, std::string_view secret,
                               std::chrono::system_clock::time_point now);

}  // namespace caas::security
