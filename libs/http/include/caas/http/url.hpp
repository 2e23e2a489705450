#pragma once
// URL, percent-decoding and query-string helpers (no I/O).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "caas/core/result.hpp"
#include "caas/http/message.hpp"

namespace caas::http {

/// An absolute http(s) URL split for a client request.
struct Url {
  std::string scheme;      // "http" or "https" (lower case)
  std::string host;        // name or address; IPv6 without brackets
  std::uint16_t port = 0;  // explicit, or 80/443 by scheme
  std::string target;      // path + query, at least "/"; fragment dropped

  bool tls() const { return scheme == "https"; }
  /// Value for the Host header: host, plus ":port" when not the default.
  std::string host_header() const;
};

/// Parses http://host[:port][/path][?query][#fragment]. Userinfo, other
/// schemes, empty hosts and bad ports are refused (ClientErrc::invalid_url).
Result<Url> parse_url(std::string_view url);

/// Decodes %XX escapes (and '+' as space if `plus_as_space`); nullopt for a
/// malformed escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space = false);

/// Splits "a=1&b=x%20y" into decoded pairs; malformed escapes are kept raw,
/// keys without '=' get an empty value.
Params parse_query(std::string_view query);

}  // namespace caas::http
