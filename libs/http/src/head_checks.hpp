#pragma once
// The request parser and the checks a request head must pass before its body
// is read: framing that two parsers could read differently (request
// smuggling), the Host field (RFC 9112 §3.2), the request-target form, the
// number of header fields and a declared body over the limit. One
// definition, used by the server session and by the fuzz target
// (tests/fuzz/fuzz_http_request.cpp).

#include <boost/beast/http.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "request_target.hpp"

namespace caas::http::detail {

/// Beast's request parser that also counts header fields as it delivers them
/// (chunked trailer fields included, Beast merges them into the header):
/// one past `max_fields`, parsing stops with `error::header_limit` and
/// too_many_fields() is true (answered 431). A counter, no allocation.
class RequestParser final : public boost::beast::http::request_parser<boost::beast::http::string_body> {
 public:
  explicit RequestParser(std::size_t max_fields) : max_fields_(max_fields) {}

  bool too_many_fields() const { return too_many_fields_; }
  std::size_t fields() const { return fields_; }

 private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    if (++fields_ > max_fields_) {
      too_many_fields_ = true;
      ec = boost::beast::http::error::header_limit;
      return;
    }
    get().insert(name, name_string, value);  // what the base parser does
  }

  std::size_t max_fields_;
  std::size_t fields_ = 0;
  bool too_many_fields_ = false;
};

struct HeadRejection {
  int status;
  const char* error;
  std::string message;
};

/// Repeated Content-Length or Host. Also re-checked after a chunked body,
/// because Beast merges trailer fields into the header.
template <class Fields>
bool has_duplicate_framing_headers(const Fields& fields) {
  namespace bhttp = boost::beast::http;
  return fields.count(bhttp::field::content_length) > 1 || fields.count(bhttp::field::host) > 1;
}

template <class Parser>
std::optional<HeadRejection> check_request_head(const Parser& parser, std::size_t max_body_bytes) {
  namespace bhttp = boost::beast::http;
  const auto& req = parser.get();
  if (has_duplicate_framing_headers(req)) {
    return HeadRejection{400, "bad_request", "duplicate Content-Length or Host header"};
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without Host, or with an invalid one, is a 400.
  if (const auto host = req.find(bhttp::field::host); host == req.end()) {
    if (req.version() >= 11) return HeadRejection{400, "bad_request", "HTTP/1.1 request without a Host header"};
  } else if (!valid_host(host->value())) {
    return HeadRejection{400, "bad_request", "invalid Host header"};
  }
  if (!split_request_target(req.target())) {
    return HeadRejection{400, "bad_request", "request-target must be an absolute path or an http(s) absolute URI"};
  }
  // Beast already refuses TE+CL; also refuse codings other than a final
  // "chunked", whose length we could not delimit.
  if (req.count(bhttp::field::transfer_encoding) > 0 &&
      (req.count(bhttp::field::content_length) > 0 || !parser.chunked())) {
    return HeadRejection{400, "bad_request", "unsupported Transfer-Encoding / Content-Length combination"};
  }
  if (auto len = parser.content_length(); len && *len > max_body_bytes) {
    return HeadRejection{413, "payload_too_large", "request body exceeds " + std::to_string(max_body_bytes) + " bytes"};
  }
  return std::nullopt;
}

}  // namespace caas::http::detail
