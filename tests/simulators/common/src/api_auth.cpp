#include "caas/sim/api_auth.hpp"

#include <caas/security/crypto.hpp>

#include <algorithm>
#include <cctype>

namespace caas::sim {

std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (!authorization || authorization->size() <= kScheme.size()) return std::nullopt;
  const bool bearer = std::equal(kScheme.begin(), kScheme.end(), authorization->begin(),
                                 [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); });
  if (!bearer) return std::nullopt;
  const auto token = authorization->substr(kScheme.size());
  const bool clean = std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!clean) return std::nullopt;
  return token;
}

bool token_listed(const std::vector<std::string>& tokens, std::string_view token) {
  bool found = false;
  for (const auto& t : tokens) found = security::constant_time_equal(t, token) || found;
  return found;
}

bool is_json_content_type(std::optional<std::string_view> value) {
  if (!value) return false;
  std::string v(*value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v == "application/json";
}

}  // namespace caas::sim
