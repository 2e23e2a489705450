// caas/core/error_category.hpp: what a library's category built from the
// template reports.
#include <catch2/catch.hpp>

#include <string>
#include <system_error>

#include "caas/core/error_category.hpp"

namespace {
enum class SampleErrc { first = 1, second = 2 };

std::string_view describe(SampleErrc e) noexcept {
  switch (e) {
    case SampleErrc::first:
      return "first failure";
    case SampleErrc::second:
      return "second failure";
  }
  return "unknown sample error";
}

const std::error_category& sample_category() noexcept {
  static const caas::ErrorCategory<SampleErrc> category("caas.sample", describe);
  return category;
}
}  // namespace

TEST_CASE("ErrorCategory: name, messages, and a fallback for unknown values", "[error_category]") {
  const std::error_code first(static_cast<int>(SampleErrc::first), sample_category());
  CHECK(std::string(first.category().name()) == "caas.sample");
  CHECK(first.message() == "first failure");
  CHECK(first.value() == 1);
  CHECK(std::error_code(2, sample_category()).message() == "second failure");
  CHECK(std::error_code(99, sample_category()).message() == "unknown sample error");
  CHECK(first.category() == sample_category());
  CHECK(first.category() != std::generic_category());
  // Equivalence with a generic condition stays identity-based (the default).
  CHECK(first != std::errc::invalid_argument);
}
