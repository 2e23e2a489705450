#pragma once
// What every simulated partner API checks before it looks at a request:
// the Bearer token (compared in constant time against every accepted token)
// and the JSON content type.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::sim {

/// The token of an `Authorization: Bearer <token>` value (scheme
/// case-insensitive); nullopt when absent or malformed (other scheme, empty
/// token, a space or control character in the token).
std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization);

/// True when `token` is one of `tokens`. Every entry is compared (no early
/// exit) so timing says nothing about which token matched.
bool token_listed(const std::vector<std::string>& tokens, std::string_view token);

/// `application/json`, any case, parameters (`; charset=utf-8`) ignored.
bool is_json_content_type(std::optional<std::string_view> value);

}  // namespace caas::sim
