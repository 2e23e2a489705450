#include "caas/events/errors.hpp"

#include <string_view>

#include "caas/core/error_category.hpp"

namespace caas::events {
namespace {
std::string_view describe(EventsErrc e) noexcept {
  switch (e) {
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
}  // namespace

const std::error_category& events_category() noexcept {
  static const ErrorCategory<EventsErrc> category("caas.events", describe);
  return category;
}

std::error_code make_error_code(EventsErrc e) noexcept {
  return {static_cast<int>(e), events_category()};
}

}  // namespace caas::events
