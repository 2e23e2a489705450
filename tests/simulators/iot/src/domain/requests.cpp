#include "domain/requests.hpp"

#include <algorithm>
#include <cctype>

namespace caas::iot_sim {

namespace {

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string text_of(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

bool valid_language(std::string_view s) {
  // BCP 47 shape: a 2..3 letter primary subtag, then '-' subtags of 1..8 alphanumerics.
  if (s.size() < 2 || s.size() > 16) return false;
  std::size_t start = 0;
  bool first = true;
  while (start <= s.size()) {
    auto end = s.find('-', start);
    if (end == std::string_view::npos) end = s.size();
    const auto part = s.substr(start, end - start);
    const bool letters =
        std::all_of(part.begin(), part.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    const bool alnum =
        std::all_of(part.begin(), part.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
    if (first ? (part.size() < 2 || part.size() > 3 || !letters) : (part.empty() || part.size() > 8 || !alnum)) {
      return false;
    }
    first = false;
    start = end + 1;
  }
  return true;
}

}  // namespace

bool valid_identifier(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

std::variant<ConfigurationRequest, FieldError> parse_configuration(const rapidjson::Value& body) {
  if (!body.IsObject()) return FieldError{"", "the body must be a JSON object"};
  ConfigurationRequest r;
  const auto* id = member(body, "command_id");
  if (id == nullptr) return FieldError{"command_id", "command_id is required"};
  if (!id->IsString() || !valid_identifier(std::string_view(id->GetString(), id->GetStringLength()))) {
    return FieldError{"command_id", "command_id must be 1..128 characters of [A-Za-z0-9._:-]"};
  }
  r.command_id = text_of(*id);
  const auto* params = member(body, "parameters");
  if (params == nullptr) return FieldError{"parameters", "parameters is required"};
  if (!params->IsObject() || params->MemberCount() == 0 || params->MemberCount() > kMaxParameters) {
    return FieldError{"parameters", "parameters must be an object of 1..64 firmware parameters"};
  }
  for (const auto& m : params->GetObject()) {
    const std::string name = text_of(m.name);
    const std::string field = "parameters." + name;
    if (!valid_identifier(name, 64))
      return FieldError{field, "a parameter name must be 1..64 characters of [A-Za-z0-9._:-]"};
    auto value = scalar_from_json(m.value);
    if (!value) return FieldError{field, field + " must be a string (at most 256 bytes), a number or a boolean"};
    r.parameters.emplace(name, std::move(*value));
  }
  return r;
}

std::variant<DisplayMessageRequest, FieldError> parse_display_message(const rapidjson::Value& body) {
  if (!body.IsObject()) return FieldError{"", "the body must be a JSON object"};
  DisplayMessageRequest r;
  const auto* id = member(body, "message_id");
  if (id == nullptr || !id->IsString() || !valid_identifier(std::string_view(id->GetString(), id->GetStringLength()))) {
    return FieldError{"message_id", "message_id must be 1..128 characters of [A-Za-z0-9._:-]"};
  }
  r.message_id = text_of(*id);
  const auto* text = member(body, "text");
  if (text == nullptr || !text->IsString() || text->GetStringLength() == 0 || text->GetStringLength() > 500) {
    return FieldError{"text", "text must be a string of 1..500 bytes"};
  }
  r.text = text_of(*text);
  const auto* language = member(body, "language");
  if (language == nullptr || !language->IsString() ||
      !valid_language(std::string_view(language->GetString(), language->GetStringLength()))) {
    return FieldError{"language", "language must be a BCP 47 tag such as es or es-ES"};
  }
  r.language = text_of(*language);
  const auto* seconds = member(body, "display_seconds");
  if (seconds == nullptr || !seconds->IsInt() || seconds->GetInt() < 1 || seconds->GetInt() > 3600) {
    return FieldError{"display_seconds", "display_seconds must be an integer in 1..3600"};
  }
  r.display_seconds = seconds->GetInt();
  return r;
}

}  // namespace caas::iot_sim
