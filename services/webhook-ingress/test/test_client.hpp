#pragma once
// Loopback HTTP/1.1 test client on raw POSIX sockets: every operation is
// bounded by a deadline (poll), so a misbehaving server fails a test instead
// of hanging it, and hostile requests (duplicated headers, smuggling, slow
// writers) can be sent byte for byte.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caas::ingress::test {

using namespace std::chrono_literals;

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class Conn {
 public:
  explicit Conn(std::uint16_t port);  // throws std::runtime_error
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool send_all(std::string_view data, std::chrono::milliseconds timeout = 5s);
  /// One response (Content-Length framed); nullopt on close/timeout/garbage.
  std::optional<HttpResult> read_response(std::chrono::milliseconds timeout = 10s);
  /// True when the peer closes (EOF or reset) within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);
  /// Bytes already received but not consumed (e.g. an unexpected 100 Continue).
  bool has_buffered_data() const { return !buffer_.empty(); }
  /// Waits up to `timeout` for any bytes; true if some arrived.
  bool readable_within(std::chrono::milliseconds timeout);

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
};

/// "POST <path> HTTP/1.1" with Host, Content-Length (unless the caller gives
/// one or Transfer-Encoding) and the given headers.
std::string build_request(std::string_view method, std::string_view path, const HeaderList& headers,
                          std::string_view body, bool add_host = true);

/// One request on a fresh connection.
std::optional<HttpResult> request(std::uint16_t port, std::string_view method, std::string_view path,
                                  const HeaderList& headers, std::string_view body);

/// Signed requests of the two schemes.
HeaderList factory_headers(std::string_view body, std::string_view secret, std::string_view request_id = {});
HeaderList standard_headers(std::string_view id, std::int64_t timestamp, std::string_view body, std::string_view secret,
                            std::string_view request_id = {});
std::int64_t unix_now();

}  // namespace caas::ingress::test
