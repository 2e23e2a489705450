#include "caas/smtp/error.hpp"

#include <string_view>

#include "caas/core/error_category.hpp"

namespace caas::smtp {

namespace {
std::string_view describe(SendErrc e) noexcept {
  switch (e) {
    case SendErrc::timeout:
      return "timeout";
    case SendErrc::connect_failed:
      return "connect failed";
    case SendErrc::connection_closed:
      return "connection closed";
    case SendErrc::protocol_error:
      return "protocol error";
    case SendErrc::transient_rejection:
      return "transient rejection";
    case SendErrc::permanent_rejection:
      return "permanent rejection";
    case SendErrc::invalid_message:
      return "invalid message";
    case SendErrc::shutting_down:
      return "client shutting down";
  }
  return "unknown";
}
}  // namespace

const std::error_category& smtp_category() {
  static const ErrorCategory<SendErrc> category("caas.smtp", describe);
  return category;
}

std::error_code make_error_code(SendErrc e) {
  return {static_cast<int>(e), smtp_category()};
}

bool is_permanent(SendErrc e) {
  return e == SendErrc::permanent_rejection || e == SendErrc::invalid_message;
}

}  // namespace caas::smtp
