#pragma once
// Embedded HTTP/1.1 server (Boost.Beast inside, kept out of this header).
// One strand per connection (with several I/O threads), a deadline before every read, a bounded
// pipelining queue that pauses reading, async handlers via Responder.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caas/http/message.hpp"

namespace caas::http {

namespace detail {
// Where a Responder delivers; implemented by the server connection.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void deliver(Response response) = 0;
};
}  // namespace detail

/// Completes one request. Move-only, call-once, callable from any thread
/// (the response is posted to the connection's strand). Destroyed without
/// having been called, it answers 500 so the connection never hangs. Safe to
/// call after the connection or the server is gone (the response is dropped).
class Responder {
 public:
  explicit Responder(std::unique_ptr<detail::ResponseSink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  /// Sends the response; later calls are ignored.
  void operator()(Response response);
  /// False once called (or moved from).
  bool pending() const { return sink_ != nullptr; }

 private:
  std::unique_ptr<detail::ResponseSink> sink_;
};

using Handler = std::function<void(Request&&, Responder)>;
using SyncHandler = std::function<Response(const Request&)>;

/// Method + path-pattern routing. Patterns are literal segments and
/// `{name}` segments matching one non-empty segment: "/api/v1/orders/{id}/status".
/// When several patterns match, literal segments win over parameters
/// (leftmost difference decides). Build it before Server::start(); it is
/// read-only afterwards, so lookups need no lock.
class Router {
 public:
  /// Async handler: it must eventually call (or drop) the Responder.
  Router& add(std::string method, std::string pattern, Handler handler);
  /// Synchronous convenience: the returned Response is sent.
  Router& add_sync(std::string method, std::string pattern, SyncHandler handler);

  enum class Outcome { found, not_found, method_not_allowed };
  struct Match {
    Outcome outcome = Outcome::not_found;
    const Handler* handler = nullptr;  // set when found
    std::string_view pattern;          // matched pattern when found
    Params params;                     // decoded {name} values
    std::vector<std::string> allowed;  // methods for 405's Allow header
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" kept as is
    Handler handler;
  };
  std::vector<Route> routes_;
};

/// Metrics hooks, so the service layer can export Prometheus metrics without
/// this library depending on a metrics library. Called from I/O threads,
/// concurrently: implementations must be thread-safe and fast.
class ServerObserver {
 public:
  virtual ~ServerObserver() = default;
  /// `route` is the matched pattern, or "" (unmatched / rejected before routing).
  virtual void on_request_complete(std::string_view method, std::string_view route, int status,
                                   std::chrono::nanoseconds duration) {
    (void)method, (void)route, (void)status, (void)duration;
  }
  virtual void on_connections_changed(std::size_t open) { (void)open; }
  virtual void on_in_flight_changed(std::size_t in_flight) { (void)in_flight; }
};

/// A descriptor the I/O threads watch for the owner: `on_readable` runs on an
/// I/O thread each time `fd` becomes readable, and once at start. Watching is
/// edge-triggered, so `on_readable` must read the descriptor dry. Use it to
/// serve another library's completions (e.g. Kafka delivery reports) on the
/// threads that own the connections, without a thread hand-off. The
/// descriptor stays owned by the caller and must outlive the server.
struct ReadableWatch {
  int fd = -1;
  std::function<void()> on_readable;
};

struct ServerOptions {
  std::string address = "0.0.0.0";                         // bind address
  std::uint16_t port = 0;                                  // 0 = ephemeral; Server::port() reports it
  unsigned threads = 1;                                    // io_context threads
  std::size_t max_body_bytes = 1 << 20;                    // larger bodies -> 413
  std::size_t max_header_bytes = 16 << 10;                 // larger request head -> 431
  std::size_t max_header_fields = 100;                     // more header (and trailer) fields -> 431
  std::size_t max_connections = 10000;                     // above it new sockets are closed at once
  std::size_t max_in_flight = 4096;                        // requests in handlers; above -> 503 + Retry-After
  std::size_t max_pipelined = 16;                          // queued responses per connection before reading pauses
  std::chrono::milliseconds header_read_timeout{10'000};   // whole request head (slowloris)
  std::chrono::milliseconds body_read_timeout{30'000};     // whole body
  std::chrono::milliseconds idle_timeout{60'000};          // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};         // writing one response to a slow reader
  std::optional<std::size_t> max_requests_per_connection;  // then "Connection: close"
  std::chrono::milliseconds shutdown_grace{5'000};         // default for stop() and the destructor
  std::vector<ReadableWatch> watches;                      // served until stop() returns
};

/// The server. Single use: construct, start(), stop() (or destroy).
class Server {
 public:
  /// `observer` (optional) must outlive the server.
  Server(ServerOptions options, Router router, ServerObserver* observer = nullptr);
  ~Server();  // stop(options.shutdown_grace)
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, listens and runs the I/O threads. Throws std::system_error when
  /// the address cannot be bound (port in use, bad address).
  void start();
  /// Graceful shutdown: stop accepting, close idle connections, let requests
  /// in flight finish (their responses carry "Connection: close") for at
  /// most `grace`, then force-close everything and join the threads.
  /// Idempotent.
  void stop(std::chrono::milliseconds grace);
  void stop();

  /// Bound port (after start()).
  std::uint16_t port() const;
  std::size_t connections() const;
  std::size_t in_flight() const;

  class Impl;  // opaque; public only so src/ helpers can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace caas::http
