#include "test_client.hpp"

#include <caas/security/webhook_signature.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace caas::ingress::test {

namespace {
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}
std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}
}  // namespace

Conn::Conn(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect failed");
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Conn::~Conn() {
  if (fd_ >= 0) ::close(fd_);
}

bool Conn::send_all(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!data.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Conn::fill(std::chrono::steady_clock::time_point deadline) {
  pollfd p{fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, remaining_ms(deadline));
  if (r <= 0) return false;
  char chunk[16384];
  const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool Conn::readable_within(std::chrono::milliseconds timeout) {
  if (!buffer_.empty()) return true;
  return fill(std::chrono::steady_clock::now() + timeout);
}

std::optional<HttpResult> Conn::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) return std::nullopt;
  }
  HttpResult out;
  const std::string head = buffer_.substr(0, head_end);
  std::size_t pos = head.find("\r\n");
  const std::string status_line = head.substr(0, pos);
  if (status_line.size() < 12 || status_line.rfind("HTTP/1.", 0) != 0) return std::nullopt;
  out.status = std::stoi(status_line.substr(9, 3));
  while (pos != std::string::npos && pos < head.size()) {
    const auto next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers[lower(line.substr(0, colon))] = value;
    }
    pos = next;
  }
  std::size_t length = 0;
  if (auto it = out.headers.find("content-length"); it != out.headers.end()) length = std::stoul(it->second);
  const std::size_t body_start = head_end + 4;
  while (buffer_.size() < body_start + length) {
    if (!fill(deadline)) return std::nullopt;
  }
  out.body = buffer_.substr(body_start, length);
  buffer_.erase(0, body_start + length);
  return out;
}

bool Conn::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    char chunk[4096];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return true;
  }
}

std::string build_request(std::string_view method, std::string_view path, const HeaderList& headers,
                          std::string_view body, bool add_host) {
  std::string out;
  out.reserve(256 + body.size());
  out.append(method).append(" ").append(path).append(" HTTP/1.1\r\n");
  if (add_host) out += "Host: 127.0.0.1\r\n";
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    const auto lk = lower(k);
    if (lk == "content-length" || lk == "transfer-encoding") has_length = true;
    out.append(k).append(": ").append(v).append("\r\n");
  }
  if (!has_length) out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out += "\r\n";
  out.append(body);
  return out;
}

std::optional<HttpResult> request(std::uint16_t port, std::string_view method, std::string_view path,
                                  const HeaderList& headers, std::string_view body) {
  Conn c(port);
  if (!c.send_all(build_request(method, path, headers, body))) return std::nullopt;
  return c.read_response();
}

HeaderList factory_headers(std::string_view body, std::string_view secret, std::string_view request_id) {
  HeaderList h{{"Content-Type", "application/json"}, {"X-Factory-Signature", security::sign_factory(body, secret)}};
  if (!request_id.empty()) h.emplace_back("X-Request-Id", std::string(request_id));
  return h;
}

HeaderList standard_headers(std::string_view id, std::int64_t timestamp, std::string_view body, std::string_view secret,
                            std::string_view request_id) {
  HeaderList h{{"Content-Type", "application/json"},
               {"webhook-id", std::string(id)},
               {"webhook-timestamp", std::to_string(timestamp)},
               {"webhook-signature", security::sign_standard_webhook(id, timestamp, body, secret)}};
  if (!request_id.empty()) h.emplace_back("X-Request-Id", std::string(request_id));
  return h;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace caas::ingress::test
