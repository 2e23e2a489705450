// Fuzz target: HTTP/1.1 request parsing as the ingress server does it.
//
// The input is the byte stream a client sends on one keep-alive connection.
// It is fed, in pieces whose size the first input byte picks, to a Boost.Beast
// request parser configured like caas::http::Server (the server's own
// field-counting RequestParser; header byte, header field and body limits
// from ServerOptions' defaults; head first, then the body eagerly). After each
// head the server's own rejections are applied (duplicate Content-Length or
// Host, an HTTP/1.1 request without Host or with an invalid one, a target in
// neither origin nor http(s) absolute form, Transfer-Encoding with
// Content-Length or without a final chunked, declared body over the limit).
// Each accepted request is turned into a caas::http::Request as the server
// does (target reduced to path and query, query parsing, request id) and
// routed through a Router holding the ingress routes (percent-decoded path
// parameters).
//
// Properties checked besides "no crash / leak / UB": an accepted request
// never carries both framing headers or a repeated Content-Length/Host, an
// accepted HTTP/1.1 request has exactly one Host, never more header fields
// than the limit, a path that starts with '/', its body never exceeds the
// limit, and a Content-Length body is exactly that long.
//
// The parser, head checks and target split are the server's own
// (libs/http/src/head_checks.hpp, request_target.hpp).

#include <boost/asio/buffer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "head_checks.hpp"

#include "caas/http/message.hpp"
#include "caas/http/server.hpp"

namespace bhttp = boost::beast::http;
using Parser = caas::http::detail::RequestParser;

namespace {

[[noreturn]] void property_failed(const char* what) {
  std::fprintf(stderr, "property failed: %s\n", what);
  std::abort();
}

const caas::http::ServerOptions& options() {
  static const caas::http::ServerOptions o;
  return o;
}

const caas::http::Router& router() {
  static const caas::http::Router r = [] {
    caas::http::Router rt;
    auto ok = [](const caas::http::Request&) { return caas::http::Response::empty(200); };
    rt.add_sync("POST", "/api/v1/webhooks/factory/status", ok);
    rt.add_sync("POST", "/api/v1/webhooks/iot/telemetry", ok);
    rt.add_sync("POST", "/api/v1/webhooks/iot/command-status", ok);
    rt.add_sync("POST", "/api/v1/webhooks/{source}/{kind}", ok);
    rt.add_sync("GET", "/healthz", ok);
    rt.add_sync("GET", "/readyz", ok);
    rt.add_sync("GET", "/metrics", ok);
    return rt;
  }();
  return r;
}

// The server session's head checks (shared code); true = refused with a 4xx.
bool head_rejection(const Parser& p) {
  return caas::http::detail::check_request_head(p, options().max_body_bytes).has_value();
}

// What Session::on_request builds for a handler.
void handle(Parser& p) {
  auto msg = p.release();
  const auto& opts = options();
  if (msg.body().size() > opts.max_body_bytes) property_failed("body over the limit accepted");
  if (msg.count(bhttp::field::content_length) > 1) property_failed("repeated Content-Length accepted");
  if (msg.count(bhttp::field::host) > 1) property_failed("repeated Host accepted");
  if (msg.count(bhttp::field::content_length) > 0 && msg.count(bhttp::field::transfer_encoding) > 0)
    property_failed("Content-Length with Transfer-Encoding accepted");
  if (msg.version() >= 11 && msg.count(bhttp::field::host) != 1) property_failed("HTTP/1.1 without Host accepted");
  if (p.fields() > opts.max_header_fields) property_failed("more header fields than the limit accepted");

  caas::http::Request req;
  req.method = std::string(msg.method_string());
  req.version = msg.version();
  const auto target = caas::http::detail::split_request_target(msg.target());
  if (!target) property_failed("request-target the head checks refuse accepted");
  caas::http::detail::apply_request_target(*target, req);
  if (req.path.empty() || req.path.front() != '/') property_failed("path without a leading '/'");
  for (const auto& f : msg) req.headers.add(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  auto rid = req.headers.get("X-Request-Id");
  req.request_id = (rid && caas::http::valid_request_id(*rid)) ? std::string(*rid) : "generated";
  (void)req.query("x");
  (void)req.header("X-Factory-Signature");
  (void)req.headers.count("webhook-signature");

  auto m = router().match(req.method, req.path);
  if (m.outcome == caas::http::Router::Outcome::found && m.handler == nullptr)
    property_failed("route found without a handler");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // First byte: how the stream is cut into reads (1..255 bytes, 0 = all at once).
  const std::size_t piece = data[0] == 0 ? size : data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto& opts = options();

  std::size_t offered = 0;  // bytes of input "received" so far
  std::string pending;      // received, not yet consumed by a parser
  auto receive = [&]() -> bool {
    if (offered >= input.size()) return false;
    const auto n = std::min(piece, input.size() - offered);
    pending.append(input.substr(offered, n));
    offered += n;
    return true;
  };

  for (int requests = 0; requests < 64; ++requests) {
    Parser p(opts.max_header_fields);
    p.header_limit(static_cast<std::uint32_t>(opts.max_header_bytes));
    p.body_limit(opts.max_body_bytes);
    p.eager(false);  // head first, like async_read_header
    bool head_checked = false;
    for (;;) {
      if (p.is_header_done() && !head_checked) {
        head_checked = true;
        if (head_rejection(p)) return 0;  // answered with 4xx, connection closed
        p.eager(true);                    // then the body, like async_read
      }
      if (p.is_done()) break;
      if (pending.empty() && !receive()) {
        // Client stopped sending: at most a partial message, never a request.
        if (p.got_some()) {
          boost::beast::error_code ec;
          p.put_eof(ec);
          if (!ec && p.is_done() && !p.is_header_done()) property_failed("done without a head");
        }
        return 0;
      }
      boost::beast::error_code ec;
      const auto used = p.put(boost::asio::buffer(pending.data(), pending.size()), ec);
      if (used > pending.size()) property_failed("parser consumed more than offered");
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) {
        if (!receive()) {
          if (p.got_some()) {
            p.put_eof(ec);
          }
          return 0;
        }
        continue;
      }
      if (ec) return 0;  // 400 / 413 / 431, connection closed
    }
    if (p.repeated_framing_fields() || !p.host_valid()) return 0;  // as on_body: trailers
    const bool keep_alive = p.keep_alive();
    handle(p);
    if (!keep_alive) return 0;
  }
  return 0;
}
