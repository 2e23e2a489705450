#pragma once
// Request-target forms and the Host field value (RFC 9112 §3.2, RFC 9110
// §7.2), checked before a request is routed. Pure functions over views: no
// allocation for the common origin-form target. Shared by the server session
// and the fuzz target (tests/fuzz/fuzz_http_request.cpp).

#include <optional>
#include <string_view>

#include "caas/http/message.hpp"

namespace caas::http::detail {

/// A request-target split for routing. `path` views the target, except the
/// "/" of an absolute-form target without a path (a literal).
struct RequestTarget {
  std::string_view path;                  // starts with '/'
  std::optional<std::string_view> query;  // after '?', possibly empty
};

/// Origin form ("/path?query") as is; absolute form with an http or https
/// scheme ("http://host:port/path?query") reduced to its path and query, so
/// it is routed exactly like the origin form. nullopt for every other form
/// (authority-form, asterisk-form, another scheme, an empty or malformed
/// authority, userinfo): the server answers 400.
std::optional<RequestTarget> split_request_target(std::string_view target);

/// True if `value` is a valid Host field value: uri-host [":" port], where
/// uri-host is an IP literal in brackets or a reg-name (unreserved,
/// sub-delims, %XX). An empty value is valid (a target without authority).
bool valid_host(std::string_view value);

/// Sets `req.target` (origin form: path and query), `req.path` and
/// `req.query_params` from a target split_request_target accepted.
void apply_request_target(const RequestTarget& target, Request& req);

}  // namespace caas::http::detail
