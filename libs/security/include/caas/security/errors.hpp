#pragma once
// Error codes of caas::security. Distinct codes let the ingress answer the
// seed's responses and count failures by cause without parsing messages.

#include <system_error>

namespace caas::security {

enum class SecurityErrc {
  missing_header = 1,          // signature/id/timestamp header absent or empty
  malformed,                   // header or token present but not parseable
  bad_signature,               // well-formed, but no active secret produced it
  timestamp_out_of_tolerance,  // Standard Webhooks timestamp too old / too far ahead
  invalid_encoding,            // hex/base64 decode failure
  unknown_key,                 // API key not recognised
  unsupported_algorithm,       // token alg other than HS256 (incl. "none")
  token_expired,
  missing_claim,  // token lacks sub/exp or has a bad role
};

const std::error_category& security_category() noexcept;
std::error_code make_error_code(SecurityErrc e) noexcept;

}  // namespace caas::security

template <>
struct std::is_error_code_enum<caas::security::SecurityErrc> : std::true_type {};
