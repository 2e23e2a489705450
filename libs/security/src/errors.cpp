#include "caas/security/errors.hpp"

#include <string_view>

#include "caas/core/error_category.hpp"

namespace caas::security {
namespace {
std::string_view describe(SecurityErrc e) noexcept {
  switch (e) {
    case SecurityErrc::missing_header:
      return "missing header";
    case SecurityErrc::malformed:
      return "malformed";
    case SecurityErrc::bad_signature:
      return "bad signature";
    case SecurityErrc::timestamp_out_of_tolerance:
      return "timestamp out of tolerance";
    case SecurityErrc::invalid_encoding:
      return "invalid encoding";
    case SecurityErrc::unknown_key:
      return "unknown key";
    case SecurityErrc::unsupported_algorithm:
      return "unsupported algorithm";
    case SecurityErrc::token_expired:
      return "token expired";
    case SecurityErrc::missing_claim:
      return "missing or invalid claim";
  }
  return "unknown security error";
}
}  // namespace

const std::error_category& security_category() noexcept {
  static const ErrorCategory<SecurityErrc> category("caas.security", describe);
  return category;
}

std::error_code make_error_code(SecurityErrc e) noexcept {
  return {static_cast<int>(e), security_category()};
}

}  // namespace caas::security
