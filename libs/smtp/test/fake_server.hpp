#pragma once
// A scripted SMTP peer on raw POSIX sockets for protocol edge cases the real
// sink never produces (multi-line greetings, garbage, refused EHLO, closing
// at chosen points). One thread per connection; every wait is a bounded poll
// that also watches the stop flag, so the destructor never hangs.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace caas::smtp::test {

class FakeServer;

class Session {
 public:
  Session(int fd, int index, FakeServer& server) : fd_(fd), index_(index), server_(server) {}
  ~Session() { close(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int index() const { return index_; }  // 0 for the first connection

  bool send(std::string_view raw) {
    while (!raw.empty() && fd_ >= 0) {
      const auto n = ::send(fd_, raw.data(), raw.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      raw.remove_prefix(static_cast<std::size_t>(n));
    }
    return fd_ >= 0;
  }
  /// Sends byte by byte (TCP_NODELAY): the client must reassemble replies.
  bool send_trickle(std::string_view raw) {
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (const char c : raw) {
      if (!send(std::string_view(&c, 1))) return false;
    }
    return true;
  }
  /// Next line without CRLF; nullopt on EOF or server stop. Recorded.
  std::optional<std::string> read_line();
  /// DATA content up to the "." line, still dot-stuffed, CRLF-joined.
  std::optional<std::string> read_data() {
    std::string data;
    for (;;) {
      auto line = read_raw_line();
      if (!line) return std::nullopt;
      if (*line == ".") return data;
      data += *line + "\r\n";
    }
  }
  /// Waits until the peer closes or the server stops (a silent server).
  void stall() {
    while (read_raw_line()) {
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void record(std::string line);  // into FakeServer::lines()

 private:
  std::optional<std::string> read_raw_line();

  int fd_;
  int index_;
  FakeServer& server_;
  std::string buffer_;
};

class FakeServer {
 public:
  using Handler = std::function<void(Session&)>;

  explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("fake server: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeServer() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : sessions_) t.join();
    ::close(fd_);
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  bool stopping() const { return stop_.load(); }

  /// Every line received (commands and DATA lines), all sessions, in order.
  std::vector<std::string> lines() const {
    std::lock_guard lk(mu_);
    return lines_;
  }
  std::vector<std::string> commands() const {  // lines that look like SMTP verbs
    std::vector<std::string> out;
    for (auto& l : lines()) {
      if (l.size() >= 4 && std::isupper(static_cast<unsigned char>(l[0])) &&
          std::isupper(static_cast<unsigned char>(l[1])) && std::isupper(static_cast<unsigned char>(l[2])) &&
          std::isupper(static_cast<unsigned char>(l[3]))) {
        out.push_back(l);
      }
    }
    return out;
  }
  void record(std::string line) {
    std::lock_guard lk(mu_);
    lines_.push_back(std::move(line));
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      const int index = connections_++;
      sessions_.emplace_back([this, c, index] {
        Session s(c, index, *this);
        handler_(s);
      });
    }
  }

  Handler handler_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::list<std::thread> sessions_;  // only touched by the acceptor thread and the destructor
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

inline std::optional<std::string> Session::read_raw_line() {
  for (;;) {
    if (auto nl = buffer_.find("\r\n"); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 2);
      return line;
    }
    if (fd_ < 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, 20);
    if (server_.stopping()) return std::nullopt;
    if (r <= 0) continue;
    char chunk[4096];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

inline std::optional<std::string> Session::read_line() {
  auto line = read_raw_line();
  if (line) server_.record(*line);
  return line;
}

inline void Session::record(std::string line) {
  server_.record(std::move(line));
}

/// Reply for one command; nullopt = the default of a well-behaved server.
using Responder = std::function<std::optional<std::string>(const std::string& command, Session& session)>;

/// A well-behaved ESMTP server with per-command overrides (the command
/// "<body>" is the final reply after DATA content). A reply of "<close>"
/// closes the connection, "<stall>" never answers, "<sent>" means the
/// responder already answered.
inline void serve(Session& s, const Responder& respond = {}, std::string greeting = "220 fake.test ESMTP\r\n") {
  if (!greeting.empty() && !s.send(greeting)) return;
  while (auto line = s.read_line()) {
    const std::string verb = line->substr(0, line->find_first_of(" :"));
    std::optional<std::string> reply = respond ? respond(*line, s) : std::nullopt;
    if (!reply) {
      if (verb == "EHLO") {
        reply = "250-fake.test\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250 HELP\r\n";
      } else if (verb == "HELO" || verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP") {
        reply = "250 OK\r\n";
      } else if (verb == "DATA") {
        if (!s.send("354 go ahead\r\n")) return;
        auto data = s.read_data();
        if (!data) return;
        s.record("<data>" + *data);
        reply = respond ? respond("<body>", s) : std::nullopt;
        if (!reply) reply = "250 2.0.0 queued as FAKE" + std::to_string(s.index()) + "\r\n";
      } else if (verb == "QUIT") {
        s.send("221 bye\r\n");
        return;
      } else {
        reply = "500 unknown command\r\n";
      }
    }
    if (*reply == "<sent>") continue;
    if (*reply == "<close>") return;
    if (*reply == "<stall>") return s.stall();
    if (!s.send(*reply)) return;
  }
}

}  // namespace caas::smtp::test
