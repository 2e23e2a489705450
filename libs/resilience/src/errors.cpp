#include "caas/resilience/errors.hpp"

#include <string_view>

#include "caas/core/error_category.hpp"

namespace caas::resilience {
namespace {
std::string_view describe(ResilienceErrc e) noexcept {
  switch (e) {
    case ResilienceErrc::circuit_open:
      return "circuit breaker open";
    case ResilienceErrc::retries_exhausted:
      return "retries exhausted";
    case ResilienceErrc::deadline_exceeded:
      return "retry deadline exceeded";
    case ResilienceErrc::not_retriable:
      return "error is not retriable";
  }
  return "unknown resilience error";
}
}  // namespace

const std::error_category& resilience_category() noexcept {
  static const ErrorCategory<ResilienceErrc> category("caas.resilience", describe);
  return category;
}

std::error_code make_error_code(ResilienceErrc e) noexcept {
  return {static_cast<int>(e), resilience_category()};
}

}  // namespace caas::resilience
