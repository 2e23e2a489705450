#pragma once
// Caller identity on the intranet and customer APIs (DESIGN.md §6): an API
// key in X-API-Key (employees and systems: admin, operator, dealer, system)
// or a customer's HS256 bearer token in Authorization. Used by order and
// notification.

#include <caas/core/result.hpp>
#include <caas/events/time.hpp>
#include <caas/http/message.hpp>
#include <caas/security/identity.hpp>

#include <optional>
#include <string>

namespace caas::service {

class Authenticator {
 public:
  Authenticator(security::ApiKeyStore keys, std::optional<std::string> token_secret, events::Clock clock)
      : keys_(std::move(keys)), token_secret_(std::move(token_secret)), clock_(std::move(clock)) {}

  /// The principal, or an error whose message is safe to return (401).
  Result<security::Principal> authenticate(const http::Request& req) const;

 private:
  security::ApiKeyStore keys_;
  std::optional<std::string> token_secret_;
  events::Clock clock_;
};

}  // namespace caas::service
