#pragma once
// Blocking (and callback) HTTP/1.1 client with a keep-alive pool per
// scheme/host/port, a deadline on every call and optional TLS (SNI + host
// name verification). Beast/Asio stay inside src/.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "caas/core/result.hpp"
#include "caas/http/message.hpp"

namespace caas::http {

/// Client failure classes (Error::code, category "caas.http.client").
enum class ClientErrc {
  timeout = 1,        // the call's deadline passed (request may have been received)
  connect_failed,     // resolve/connect failed or timed out: nothing was sent
  connection_closed,  // peer closed/reset before a complete response
  bad_response,       // unparsable response
  tls_error,          // handshake or certificate verification failed
  invalid_url,        // not an absolute http(s) URL
  body_too_large,     // response body above ClientOptions::max_response_body_bytes
  shutting_down,      // the client is being destroyed
};
const std::error_category& client_category();
std::error_code make_error_code(ClientErrc e);

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};   // resolve + TCP connect (+ TLS handshake)
  std::chrono::milliseconds request_timeout{30'000};  // whole call, default for request()
  std::size_t max_idle_per_host = 8;                  // pooled keep-alive connections per origin
  std::chrono::milliseconds max_idle_time{30'000};    // older pooled connections are dropped
  std::size_t max_response_body_bytes = 8 << 20;
  std::size_t max_response_header_bytes = 64 << 10;
  std::string user_agent = "caas-http/0.1";
  bool tls_verify = true;  // verify the certificate chain and host name
  std::string ca_file;     // PEM bundle; empty = system default paths
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: http(s)://host[:port]/path?query
  Headers headers;  // Host, User-Agent, Content-Length are added if missing
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  /// Pending callbacks complete with ClientErrc::shutting_down.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Blocking call, bounded by `timeout` (default options.request_timeout).
  /// Thread-safe. Any HTTP status is a value; only transport failures are
  /// errors. A reused idle connection found closed by the peer is retried
  /// once on a fresh connection for idempotent methods.
  Result<Response> request(const ClientRequest& request,
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// Callback form; `done` runs on the client's I/O thread (keep it short,
  /// never block it on another request of this client).
  void async_request(ClientRequest request, std::function<void(Result<Response>)> done,
                     std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// Pooled idle connections (all origins); for tests and metrics.
  std::size_t idle_connections() const;

  class Impl;  // opaque; public only so src/ helpers can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace caas::http

template <>
struct std::is_error_code_enum<caas::http::ClientErrc> : std::true_type {};
