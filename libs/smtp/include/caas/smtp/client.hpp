#pragma once
// SMTP client (RFC 5321) for a local relay: plain TCP, no TLS, no AUTH. A
// pool of idle connections is reused across sends; every call is bounded by
// a deadline. Asio stays inside src/.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include "caas/core/result.hpp"
#include "caas/smtp/error.hpp"
#include "caas/smtp/message.hpp"
#include "caas/smtp/reply.hpp"

namespace caas::smtp {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 25;
  std::string helo_name = "caas-notification";        // sent in EHLO/HELO
  std::chrono::milliseconds connect_timeout{5'000};   // resolve + connect
  std::chrono::milliseconds command_timeout{10'000};  // wait for each reply (greeting, EHLO, ..., after the body)
  std::size_t max_connections = 16;                   // open sessions (busy + idle); more senders wait; 0 = no limit
  std::size_t max_idle_connections = 8;               // pooled connections beyond this are closed (QUIT)
  std::chrono::milliseconds max_idle_time{30'000};    // pooled longer than this: closed (QUIT)
  std::size_t max_messages_per_connection = 1000;     // transactions, then the connection is closed (QUIT)
  std::chrono::milliseconds quit_timeout{1'000};      // bound on QUIT + 221 when closing a healthy connection
};

/// Where in the dialogue a send stopped.
enum class Stage {
  prepare,    // building the message (invalid_message): nothing was sent
  connect,    // resolve + TCP connect
  greeting,   // waiting for 220
  ehlo,       // EHLO, or HELO after EHLO was refused
  rset,       // RSET on a reused connection whose previous transaction failed
  mail_from,  // MAIL FROM
  rcpt_to,    // RCPT TO
  data,       // DATA (waiting for 354)
  body,       // message + CRLF.CRLF sent, waiting for the final reply
};
std::string_view to_string(Stage stage);

/// The server took responsibility for the message.
struct Accepted {
  Reply reply;                     // final reply to the body, e.g. 250 "2.0.0 OK queued as 42"
  bool reused_connection = false;  // the transaction ran on a pooled connection
};

struct SendError {
  SendErrc kind = SendErrc::protocol_error;
  Stage stage = Stage::prepare;
  int reply_code = 0;      // the server's reply code when there was one (0 otherwise)
  std::string reply_text;  // the server's reply text (lines joined by '\n')
  std::string message;     // human-readable detail, safe to log
  // The body was sent but no final reply was read (timeout, connection
  // closed, garbage, shutdown): the server may have accepted the message. A
  // retry may deliver it twice (same Message-ID); log it as "outcome unknown".
  bool maybe_delivered = false;

  std::error_code code() const { return make_error_code(kind); }
  /// As caas::Error; the message names the stage and the reply.
  Error to_error() const;
};

/// SendErrc::permanent_rejection and invalid_message: never retry.
bool is_permanent(const SendError& error);

/// Accepted or SendError; the shape of caas::Result with a richer error.
class [[nodiscard]] SendResult {
 public:
  SendResult(Accepted value) : v_(std::move(value)) {}   // NOLINT(google-explicit-constructor)
  SendResult(SendError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const Accepted& value() const { return std::get<0>(v_); }
  const Accepted* operator->() const { return &value(); }
  const Accepted& operator*() const { return value(); }
  const SendError& error() const { return std::get<1>(v_); }

 private:
  std::variant<Accepted, SendError> v_;
};

class SmtpClient {
 public:
  /// Starts the client's I/O thread; connects lazily on the first send.
  explicit SmtpClient(ClientOptions options = {});
  /// Fails pending async sends with shutting_down, sends QUIT on pooled
  /// connections (bounded by quit_timeout) and joins the I/O thread. No
  /// send() may be running on another thread.
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  /// Sends one message; blocks the caller. Thread-safe: concurrent calls use
  /// different connections (at most max_connections; further calls wait for
  /// one, within connect_timeout). `deadline` (from now) bounds the whole
  /// call; each reply is also bounded by options.command_timeout and getting
  /// a connection by connect_timeout, so a call without a deadline ends after
  /// at most 2 × connect_timeout + 7 × command_timeout. A pooled connection
  /// found closed on the first command of the transaction is retried once on
  /// a fresh connection (nothing of the message was accepted yet).
  SendResult send(const Mail& mail, std::optional<std::chrono::milliseconds> deadline = std::nullopt);

  /// Callback form: `done` runs once, on the client's I/O thread (keep it
  /// short; never call send() of this client from it).
  void async_send(const Mail& mail, std::function<void(SendResult)> done,
                  std::optional<std::chrono::milliseconds> deadline = std::nullopt);

  /// Pooled idle connections, for tests and metrics.
  std::size_t idle_connections() const;
  /// TCP connections opened since construction, for tests and metrics.
  std::size_t connections_opened() const;

  class Impl;  // opaque; public only so src/ helpers can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace caas::smtp
