#pragma once
// Field-level validation of the partner payloads we know (seed 000 Factory
// status webhook, DESIGN.md §2 API IoT telemetry readings and command
// status). Pure functions: the current time is an argument. The first
// failing field is reported by its path ("readings[3].position.lat") so the
// 400 answer and the log line tell the partner exactly what is wrong.

#include "domain/source_config.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace caas::ingress {

struct FieldError {
  std::string field;    // path of the failing member ("" = the body itself)
  std::string message;  // human readable, safe to return to the partner
};

using TimePoint = std::chrono::system_clock::time_point;

/// Ids we use as Kafka keys and store keys: 1..max chars of [A-Za-z0-9._:-].
bool valid_identifier(std::string_view s, std::size_t max = 128);
/// ISO 3779 VIN: 17 chars of [A-HJ-NPR-Z0-9] (no I, O, Q).
bool valid_vin(std::string_view s);

/// Seed 000: order_id, status (factory status set), timestamp (ISO 8601
/// date-time, 2000-01-01 ≤ t ≤ now + 1 day), optional
/// estimated_completion_date (YYYY-MM-DD), notes, location.
std::optional<FieldError> validate_factory_status(const rapidjson::Value& body, TimePoint now);

/// One telemetry reading (DESIGN.md §2). `prefix` is prepended to field
/// names ("readings[3]").
std::optional<FieldError> validate_iot_reading(const rapidjson::Value& reading, TimePoint now,
                                               std::string_view prefix = {});

/// Command acknowledgement: command_id, vin, time, result
/// ACCEPTED|APPLIED|REJECTED|FAILED, error_code?, reported_parameters?.
std::optional<FieldError> validate_command_status(const rapidjson::Value& body, TimePoint now,
                                                  std::string_view prefix = {});

std::optional<FieldError> validate_item(Validator validator, const rapidjson::Value& item, TimePoint now,
                                        std::string_view prefix = {});

}  // namespace caas::ingress

namespace caas::ingress {
/// Content-Type is application/json, optionally with `charset=utf-8`
/// (case-insensitive); any other media type or charset is refused (415).
bool json_content_type(std::string_view value);
/// A Kafka/store key taken from a payload: 1..256 printable ASCII, no spaces.
bool valid_key(std::string_view key);
/// X-Factory-Signature in the contract's form: exactly 64 hex digits (either
/// case), surrounding spaces/tabs aside (HTTP strips them as OWS); no
/// "sha256=" prefix, nothing inside.
bool factory_signature_form(std::string_view value);
}  // namespace caas::ingress
