#include "request_target.hpp"

#include "ascii.hpp"
#include "caas/http/url.hpp"

namespace caas::http::detail {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// unreserved / sub-delims (RFC 3986 §2.2-2.3).
bool is_host_char(char c) {
  if (is_alnum(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

// reg-name: *( unreserved / pct-encoded / sub-delims ).
bool valid_reg_name(std::string_view name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%') {
      if (i + 2 >= name.size() || !is_hex(name[i + 1]) || !is_hex(name[i + 2])) return false;
      i += 2;
    } else if (!is_host_char(name[i])) {
      return false;
    }
  }
  return true;
}

// host [":" port] with a non-empty host; port is *DIGIT (RFC 3986 §3.2.3).
bool valid_authority(std::string_view authority) {
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    // IP-literal: IPv6address or IPvFuture, both within these characters.
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : authority.substr(1, close - 1)) {
      if (!is_host_char(c) && c != ':') return false;
    }
    rest = authority.substr(close + 1);
  } else {
    const auto colon = authority.find(':');
    const auto host = authority.substr(0, colon);
    if (host.empty() || !valid_reg_name(host)) return false;
    rest = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  if (rest.empty()) return true;
  if (rest.front() != ':' || rest.size() > 6) return false;  // ":" and at most 5 digits
  for (char c : rest.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

std::optional<RequestTarget> split_request_target(std::string_view target) {
  std::string_view rest;
  if (!target.empty() && target.front() == '/') {
    rest = target;  // origin form: the common case, nothing more to check
  } else {
    std::size_t scheme_end = 0;
    if (iequals_prefix(target, "http://")) {
      scheme_end = 7;
    } else if (iequals_prefix(target, "https://")) {
      scheme_end = 8;
    } else {
      return std::nullopt;
    }
    const auto after_scheme = target.substr(scheme_end);
    const auto authority_end = after_scheme.find_first_of("/?");
    const auto authority = after_scheme.substr(0, authority_end);
    // An http URI with an empty host MUST be rejected; userinfo is refused
    // (RFC 9110 §4.2.1, §4.2.4).
    if (!valid_authority(authority)) return std::nullopt;
    rest = authority_end == std::string_view::npos ? std::string_view{} : after_scheme.substr(authority_end);
  }
  RequestTarget out;
  const auto q = rest.find('?');
  out.path = rest.substr(0, q);
  if (out.path.empty()) out.path = "/";  // absolute form without a path (RFC 9112 §3.2.2)
  if (q != std::string_view::npos) out.query = rest.substr(q + 1);
  return out;
}

bool valid_host(std::string_view value) {
  return value.empty() || valid_authority(value);
}

void apply_request_target(const RequestTarget& target, Request& req) {
  req.path.assign(target.path);
  if (!target.query) {
    req.target = req.path;
    return;
  }
  req.target.reserve(target.path.size() + 1 + target.query->size());
  req.target.assign(target.path);
  req.target.push_back('?');
  req.target.append(*target.query);
  req.query_params = parse_query(*target.query);
}

}  // namespace caas::http::detail
