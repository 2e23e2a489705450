#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "caas/security/errors.hpp"
#include "caas/security/identity.hpp"

namespace caas::security {
namespace {
Error err(SecurityErrc c, std::string msg) {
  return Error{make_error_code(c), std::move(msg)};
}

std::int64_t to_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

constexpr unsigned kJsonFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Reads a NumericDate claim; only integral values in a sane range.
std::optional<std::int64_t> numeric_date(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd()) return std::nullopt;
  if (it->value.IsInt64()) return it->value.GetInt64();
  if (it->value.IsDouble() && std::isfinite(it->value.GetDouble()) && std::abs(it->value.GetDouble()) < 1e15)
    return static_cast<std::int64_t>(it->value.GetDouble());
  return std::nullopt;
}
}  // namespace

std::string issue_token(const TokenClaims& claims, std::string_view secret) {
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("sub");
  w.String(claims.sub.data(), static_cast<rapidjson::SizeType>(claims.sub.size()));
  w.Key("role");
  const auto role = to_string(claims.role);
  w.String(role.data(), static_cast<rapidjson::SizeType>(role.size()));
  w.Key("iat");
  w.Int64(to_seconds(claims.iat));
  w.Key("exp");
  w.Int64(to_seconds(claims.exp));
  w.EndObject();
  std::string signing_input = base64url_encode(header) + "." + base64url_encode({buf.GetString(), buf.GetSize()});
  const std::string sig = base64url_encode(to_bytes(hmac_sha256(secret, signing_input)));
  return signing_input + "." + sig;
}

Result<Principal> verify_token(std::string_view token, std::string_view secret,
                               std::chrono::system_clock::time_point now) {
  if (token.empty()) return err(SecurityErrc::missing_header, "bearer token missing");
  if (token.size() > 8192) return err(SecurityErrc::malformed, "token too long");
  const auto d1 = token.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return err(SecurityErrc::malformed, "token is not three dot-separated parts");
  auto header_json = base64url_decode(token.substr(0, d1));
  auto payload_json = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!header_json || !payload_json || !sig) return err(SecurityErrc::malformed, "token part is not base64url");

  rapidjson::Document header;
  header.Parse<kJsonFlags>(header_json->data(), header_json->size());
  if (header.HasParseError() || !header.IsObject()) return err(SecurityErrc::malformed, "token header is not JSON");
  auto alg = header.FindMember("alg");
  if (alg == header.MemberEnd() || !alg->value.IsString() || std::string_view(alg->value.GetString()) != "HS256")
    return err(SecurityErrc::unsupported_algorithm, "token alg must be HS256");
  auto typ = header.FindMember("typ");
  if (typ != header.MemberEnd() && (!typ->value.IsString() || std::string_view(typ->value.GetString()) != "JWT"))
    return err(SecurityErrc::malformed, "token typ must be JWT");

  // Signature before looking at claims: unauthenticated content is not trusted.
  const std::string expected = to_bytes(hmac_sha256(secret, token.substr(0, d2)));
  if (!constant_time_equal(expected, *sig)) return err(SecurityErrc::bad_signature, "token signature invalid");

  rapidjson::Document payload;
  payload.Parse<kJsonFlags>(payload_json->data(), payload_json->size());
  if (payload.HasParseError() || !payload.IsObject()) return err(SecurityErrc::malformed, "token payload is not JSON");
  auto sub = payload.FindMember("sub");
  if (sub == payload.MemberEnd() || !sub->value.IsString() || sub->value.GetStringLength() == 0)
    return err(SecurityErrc::missing_claim, "token has no sub");
  auto exp = numeric_date(payload, "exp");
  if (!exp) return err(SecurityErrc::missing_claim, "token has no exp");
  const auto now_s = to_seconds(now);
  if (now_s >= *exp) return err(SecurityErrc::token_expired, "token expired");
  if (auto nbf = numeric_date(payload, "nbf"); nbf && now_s < *nbf)
    return err(SecurityErrc::token_expired, "token not yet valid");
  Principal p{Role::customer, std::string(sub->value.GetString(), sub->value.GetStringLength())};
  if (auto role = payload.FindMember("role"); role != payload.MemberEnd()) {
    auto r = role->value.IsString() ? parse_role(role->value.GetString()) : std::nullopt;
    if (!r) return err(SecurityErrc::missing_claim, "token role invalid");
    p.role = *r;
  }
  return p;
}

}  // namespace caas::security
