#pragma once
// The bodies the API IoT accepts (DESIGN.md §2): a configuration command
// {command_id, parameters:{…}} and a display message {message_id, text,
// language, display_seconds}. The first failing field is named, as the
// answer's "field". Unknown extra members are tolerated (clients may send
// more than the contract names); types and bounds are strict.

#include "domain/value.hpp"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <variant>

namespace caas::iot_sim {

struct FieldError {
  std::string field;
  std::string message;
};

/// 1..max characters of [A-Za-z0-9._:-] — what the webhook-ingress accepts
/// back as command_id, and a safe key for the message id.
bool valid_identifier(std::string_view s, std::size_t max = 128);

inline constexpr std::size_t kMaxParameters = 64;  // the ingress schema's maxProperties

struct ConfigurationRequest {
  std::string command_id;
  Parameters parameters;  // 1..64 scalars
};

std::variant<ConfigurationRequest, FieldError> parse_configuration(const rapidjson::Value& body);

struct DisplayMessageRequest {
  std::string message_id;
  std::string text;          // 1..500 bytes
  std::string language;      // BCP 47 tag, e.g. "es" or "es-ES"
  int display_seconds = 10;  // 1..3600
};

std::variant<DisplayMessageRequest, FieldError> parse_display_message(const rapidjson::Value& body);

}  // namespace caas::iot_sim
