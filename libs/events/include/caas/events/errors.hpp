#pragma once
// Error codes of caas::events: strict JSON parsing, envelope checks, time
// parsing and schema validation. All are permanent failures for the record
// that caused them (DLQ class "permanent").

#include <system_error>

namespace caas::events {

enum class EventsErrc {
  invalid_json = 1,   // not JSON, trailing data, NaN/Infinity, BOM, NUL byte
  invalid_utf8,       // string bytes are not valid UTF-8
  nesting_too_deep,   // exceeds StrictJsonLimits::max_depth
  duplicate_key,      // the same key twice in one object
  limit_exceeded,     // input, string or value-count limit
  missing_attribute,  // required CloudEvents attribute absent
  invalid_attribute,  // attribute present but wrong type/value
  invalid_time,       // not a valid RFC 3339 / ISO 8601 timestamp
  unknown_schema,     // no schema registered for the type / dataschema
  schema_violation,   // data does not match its schema
};

const std::error_category& events_category() noexcept;
std::error_code make_error_code(EventsErrc e) noexcept;

}  // namespace caas::events

template <>
struct std::is_error_code_enum<caas::events::EventsErrc> : std::true_type {};
