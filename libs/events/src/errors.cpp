#include "caas/events/errors.hpp"

#include <string>

namespace caas::events {
namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "caas.events"; }
  std::string message(int ev) const override {
    switch (static_cast<EventsErrc>(ev)) {
      case EventsErrc::invalid_json:
        return "invalid JSON";
      case EventsErrc::invalid_utf8:
        return "invalid UTF-8";
      case EventsErrc::nesting_too_deep:
        return "JSON nesting too deep";
      case EventsErrc::duplicate_key:
        return "duplicate JSON object key";
      case EventsErrc::limit_exceeded:
        return "JSON size limit exceeded";
      case EventsErrc::missing_attribute:
        return "missing envelope attribute";
      case EventsErrc::invalid_attribute:
        return "invalid envelope attribute";
      case EventsErrc::invalid_time:
        return "invalid timestamp";
      case EventsErrc::unknown_schema:
        return "unknown schema";
      case EventsErrc::schema_violation:
        return "schema violation";
    }
    return "unknown events error";
  }
};
}  // namespace

const std::error_category& events_category() noexcept {
  static const Category category;  // immutable, like std::generic_category
  return category;
}

std::error_code make_error_code(EventsErrc e) noexcept {
  return {static_cast<int>(e), events_category()};
}

}  // namespace caas::events
