#pragma once
// caas-mail-sink (tests/simulators/smtp) as a child process for component
// and end-to-end tests: a real SMTP server (aiosmtpd) on an ephemeral port,
// storing every accepted message as a JSON file in a fresh directory.
// Recipient prefixes choose faults: reject- (550 at RCPT), tempfail- (451),
// stall- (RCPT never answered), bodyreject- (554 after the body), bodystall-
// (no reply after the body), drop- (connection closed after the body).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace caas::testing {

/// One stored message, as the sink decoded it.
struct ReceivedMail {
  std::uint64_t seq = 0;  // 1, 2, ... in acceptance order (continues across restarts)
  std::string mail_from;  // envelope sender
  std::vector<std::string> rcpt_tos;
  std::string to;          // first envelope recipient
  std::string from;        // From header, RFC 2047-decoded
  std::string subject;     // RFC 2047-decoded
  std::string body;        // transfer-encoding and charset decoded; line breaks as received (CRLF)
  std::string message_id;  // without <>
  std::string date;
  std::string content_type;
  std::string raw;  // the whole message as received (after dot-unstuffing)
};

struct MailSinkStats {
  std::uint64_t connections_total = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t messages = 0;
  std::uint64_t rejected = 0;
  std::uint64_t tempfailed = 0;
  std::uint64_t stalled = 0;
  std::uint64_t dropped = 0;
};

struct MailSinkOptions {
  int latency_ms = 0;                   // --latency-ms: delay before answering each body
  std::vector<std::string> extra_args;  // more command-line flags
  std::string binary;                   // empty: <build>/bin/caas-mail-sink
};

class MailSink {
 public:
  /// Starts the sink and waits for "listening on <port>" (throws
  /// std::runtime_error if it does not come within 15 s).
  explicit MailSink(MailSinkOptions options = {});
  ~MailSink();
  MailSink(const MailSink&) = delete;
  MailSink& operator=(const MailSink&) = delete;

  std::uint16_t port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

  /// Every stored message, in seq order.
  std::vector<ReceivedMail> messages() const;
  /// Number of stored messages (counts files, parses nothing).
  std::size_t count() const;
  /// Bounded polling until at least `n` messages are stored.
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout) const;
  /// The sink's counters (its stats file is rewritten every 50 ms at most).
  MailSinkStats stats() const;

  void kill();  // SIGKILL: sessions die without a goodbye
  /// SIGTERM, then wait (10 s) for the exit; its status (0 = clean), or
  /// nullopt if it had to be killed or was not running.
  std::optional<int> stop();
  void restart();  // kill if running, then start again on the same port and directory
  bool running() const { return child_ != nullptr; }

  static std::string default_binary();

 private:
  void start(std::uint16_t port);

  MailSinkOptions options_;
  std::filesystem::path dir_;
  std::filesystem::path stats_file_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace caas::testing
