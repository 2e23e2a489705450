#pragma once
// The checks a request head must pass before its body is read: framing that
// two parsers could read differently (request smuggling) and a declared body
// over the limit. One definition, used by the server session and by the
// fuzz target (tests/fuzz/fuzz_http_request.cpp).

#include <boost/beast/http.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace caas::http::detail {

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
