#include "caas/service/caller_auth.hpp"

#include <system_error>

namespace caas::service {

namespace {
Error unauthenticated(std::string message) {
  return Error{std::make_error_code(std::errc::permission_denied), std::move(message)};
}
}  // namespace

Result<security::Principal> Authenticator::authenticate(const http::Request& req) const {
  if (req.headers.count("X-API-Key") > 1 || req.headers.count("Authorization") > 1) {
    return unauthenticated("repeated credentials header");
  }
  if (auto key = req.header("X-API-Key")) {
    auto p = keys_.authenticate(*key);
    if (!p) return unauthenticated("unknown API key");
    return p;
  }
  if (auto auth = req.header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth->size() <= kBearer.size() || auth->substr(0, kBearer.size()) != kBearer) {
      return unauthenticated("Authorization must be 'Bearer <token>'");
    }
    if (!token_secret_) return unauthenticated("bearer tokens are not enabled");
    auto p = security::verify_token(auth->substr(kBearer.size()), *token_secret_, clock_());
    if (!p) return unauthenticated("invalid bearer token: " + p.error().message);
    return p;
  }
  return unauthenticated("an X-API-Key or a customer bearer token is required");
}

}  // namespace caas::service
