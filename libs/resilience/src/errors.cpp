#include "caas/resilience/errors.hpp"

#include <string>

namespace caas::resilience {
namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "caas.resilience"; }
  std::string message(int ev) const override {
    switch (static_cast<ResilienceErrc>(ev)) {
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
};
}  // namespace

const std::error_category& resilience_category() noexcept {
  static const Category category;  // immutable singleton, as std::generic_category
  return category;
}

std::error_code make_error_code(ResilienceErrc e) noexcept {
  return {static_cast<int>(e), resilience_category()};
}

}  // namespace caas::resilience
