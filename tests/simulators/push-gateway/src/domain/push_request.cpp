#include "domain/push_request.hpp"

#include <algorithm>
#include <cctype>

namespace caas::push_sim {

namespace {

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string text_of(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

/// A required object member (missing, null or another type is an error).
std::variant<const rapidjson::Value*, ApiError> object_member(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (v == nullptr || v->IsNull()) return invalid_request(name, std::string("Missing required field: ") + name);
  if (!v->IsObject()) return invalid_request(name, std::string(name) + " must be an object");
  return v;
}

/// A required string member of 1..max characters.
std::optional<ApiError> read_text(const rapidjson::Value& obj, const std::string& field, const char* name,
                                  std::size_t max_chars, std::string& out) {
  const auto* v = member(obj, name);
  if (v == nullptr || v->IsNull()) return invalid_request(field, "Missing required field: " + field);
  if (v->IsString()) {
    const auto length = utf8_length(std::string_view(v->GetString(), v->GetStringLength()));
    if (length >= 1 && length <= max_chars) {
      out = text_of(*v);
      return std::nullopt;
    }
  }
  return invalid_request(field, field + " must be a string of 1.." + std::to_string(max_chars) + " characters");
}

std::optional<ApiError> read_data(const rapidjson::Value& body, std::map<std::string, std::string>& out) {
  const auto* data = member(body, "data");
  if (data == nullptr || data->IsNull()) return std::nullopt;
  if (!data->IsObject()) return invalid_request("data", "data must be an object of string values");
  if (data->MemberCount() > kMaxDataEntries) {
    return invalid_request("data", "data has more than " + std::to_string(kMaxDataEntries) + " entries");
  }
  for (const auto& m : data->GetObject()) {
    const std::string key = text_of(m.name);
    if (!m.value.IsString()) return invalid_request("data." + key, "data." + key + " must be a string");
    out.emplace(key, text_of(m.value));
  }
  return std::nullopt;
}

}  // namespace

std::variant<PushRequest, ApiError> validate_push_request(const rapidjson::Value& body) {
  if (!body.IsObject()) return invalid_request("", "The request body must be a JSON object");
  PushRequest r;

  auto recipient = object_member(body, "recipient");
  if (auto* e = std::get_if<ApiError>(&recipient)) return std::move(*e);
  if (auto e = read_text(*std::get<const rapidjson::Value*>(recipient), "recipient.customer_id", "customer_id",
                         kMaxCustomerIdChars, r.customer_id)) {
    return std::move(*e);
  }

  auto notification = object_member(body, "notification");
  if (auto* e = std::get_if<ApiError>(&notification)) return std::move(*e);
  const auto& n = *std::get<const rapidjson::Value*>(notification);
  if (auto e = read_text(n, "notification.title", "title", kMaxTitleChars, r.title)) return std::move(*e);
  if (auto e = read_text(n, "notification.body", "body", kMaxBodyChars, r.body)) return std::move(*e);

  const auto* language = member(body, "language");
  if (language == nullptr || language->IsNull()) return invalid_request("language", "Missing required field: language");
  if (!language->IsString() || (text_of(*language) != "es" && text_of(*language) != "en")) {
    return invalid_request("language", "language must be one of es, en");
  }
  r.language = text_of(*language);

  if (auto e = read_data(body, r.data)) return std::move(*e);
  return r;
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKey) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::size_t utf8_length(std::string_view text) {
  // Every code point has exactly one byte that is not a continuation byte.
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace caas::push_sim
