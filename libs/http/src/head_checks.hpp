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

/// Beast's request parser that also looks at header fields as it delivers
/// them (chunked trailer fields included, Beast merges them into the header):
/// counts them — one past `max_fields`, parsing stops with
/// `error::header_limit` and too_many_fields() is true (answered 431) — and
/// counts and checks the framing fields by their enum, so the head checks
/// need no lookup in the field set. Counters, no allocation.
class RequestParser final : public boost::beast::http::request_parser<boost::beast::http::string_body> {
 public:
  explicit RequestParser(std::size_t max_fields) : max_fields_(max_fields) {}

  bool too_many_fields() const { return too_many_fields_; }
  std::size_t fields() const { return fields_; }
  std::size_t host_fields() const { return host_fields_; }
  bool host_valid() const { return host_valid_; }  // every Host value seen was valid
  std::size_t content_length_fields() const { return content_length_fields_; }
  std::size_t transfer_encoding_fields() const { return transfer_encoding_fields_; }
  /// Content-Length or Host repeated (re-checked after a chunked body: trailers).
  bool repeated_framing_fields() const { return content_length_fields_ > 1 || host_fields_ > 1; }

 private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    namespace bhttp = boost::beast::http;
    if (++fields_ > max_fields_) {
      too_many_fields_ = true;
      ec = bhttp::error::header_limit;
      return;
    }
    if (name == bhttp::field::host) {
      ++host_fields_;
      host_valid_ = host_valid_ && valid_host(value);
    } else if (name == bhttp::field::content_length) {
      ++content_length_fields_;
    } else if (name == bhttp::field::transfer_encoding) {
      ++transfer_encoding_fields_;
    }
    get().insert(name, name_string, value);  // what the base parser does
  }

  std::size_t max_fields_;
  std::size_t fields_ = 0;
  std::size_t host_fields_ = 0;
  std::size_t content_length_fields_ = 0;
  std::size_t transfer_encoding_fields_ = 0;
  bool host_valid_ = true;
  bool too_many_fields_ = false;
};

struct HeadRejection {
  int status;
  const char* error;
  std::string message;
};

inline std::optional<HeadRejection> check_request_head(const RequestParser& parser, std::size_t max_body_bytes) {
  if (parser.repeated_framing_fields()) {
    return HeadRejection{400, "bad_request", "duplicate Content-Length or Host header"};
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without Host, or with an invalid one, is a 400.
  if (parser.host_fields() == 0) {
    if (parser.get().version() >= 11) {
      return HeadRejection{400, "bad_request", "HTTP/1.1 request without a Host header"};
    }
  } else if (!parser.host_valid()) {
    return HeadRejection{400, "bad_request", "invalid Host header"};
  }
  if (!split_request_target(parser.get().target())) {
    return HeadRejection{400, "bad_request", "request-target must be an absolute path or an http(s) absolute URI"};
  }
  // Beast already refuses TE+CL; also refuse codings other than a final
  // "chunked", whose length we could not delimit.
  if (parser.transfer_encoding_fields() > 0 && (parser.content_length_fields() > 0 || !parser.chunked())) {
    return HeadRejection{400, "bad_request", "unsupported Transfer-Encoding / Content-Length combination"};
  }
  if (auto len = parser.content_length(); len && *len > max_body_bytes) {
    return HeadRejection{413, "payload_too_large", "request body exceeds " + std::to_string(max_body_bytes) + " bytes"};
  }
  return std::nullopt;
}

}  // namespace caas::http::detail
