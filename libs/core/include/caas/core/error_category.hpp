#pragma once
// The one std::error_category implementation of the platform. Every library
// used to repeat the same class (name(), a switch in message(), a function-local
// singleton); now it supplies only what differs: its name and a function that
// describes one code.
//
//   std::string_view describe(SecurityErrc e) noexcept { switch (e) { ... } }
//   const std::error_category& security_category() noexcept {
//     static const caas::ErrorCategory<SecurityErrc> category("caas.security", describe);
//     return category;
//   }
//
// Categories compare by address, so each library keeps its own function-local
// instance (immutable after construction, like std::generic_category); the
// template only removes the repeated class.

#include <string>
#include <string_view>
#include <system_error>

namespace caas {

template <class Code>
class ErrorCategory final : public std::error_category {
 public:
  /// Text for one code; receives any int the caller stored, so it must have a
  /// fallback for values that are not enumerators.
  using Describe = std::string_view (*)(Code) noexcept;

  constexpr ErrorCategory(const char* name, Describe describe) noexcept : name_(name), describe_(describe) {}

  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override { return std::string(describe_(static_cast<Code>(ev))); }

 private:
  const char* name_;
  Describe describe_;
};

}  // namespace caas
