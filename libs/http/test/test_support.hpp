#pragma once
// Loopback helpers for the HTTP tests: a raw client socket whose every
// operation is bounded by a deadline (the io_context runs for at most that
// long), so an unexpected server behaviour fails a test instead of hanging it.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace caas::http::test {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class RawConn {
 public:
  explicit RawConn(std::uint16_t port) { sock_.connect({net::ip::address_v4::loopback(), port}); }

  // Writes everything (or fails) within `timeout`; false on error/timeout.
  bool send(std::string_view data, std::chrono::milliseconds timeout = 2s) {
    bool ok = false;
    run(
        [&](bool& done) {
          net::async_write(sock_, net::buffer(data.data(), data.size()),
                           [&](boost::system::error_code ec, std::size_t) {
                             ok = !ec;
                             done = true;
                           });
        },
        timeout);
    return ok;
  }

  // Reads one response; nullopt on error, close or timeout.
  std::optional<bhttp::response<bhttp::string_body>> read_response(std::chrono::milliseconds timeout = 2s) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 << 20);
    bool ok = false;
    const bool done = run(
        [&](bool& d) {
          bhttp::async_read(sock_, buffer_, parser, [&](boost::system::error_code ec, std::size_t) {
            ok = !ec;
            d = true;
          });
        },
        timeout);
    if (!done || !ok) return std::nullopt;
    return parser.release();
  }

  // Reads until the peer closes; returns everything received and whether the
  // close happened within `timeout`.
  struct Drain {
    std::string data;
    bool closed = false;
  };
  Drain read_until_close(std::chrono::milliseconds timeout = 2s) {
    Drain out;
    out.data.assign(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    std::array<char, 4096> chunk{};
    std::function<void()> loop = [&] {
      sock_.async_read_some(net::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
        out.data.append(chunk.data(), n);
        if (ec) {
          out.closed = true;
          return;
        }
        loop();
      });
    };
    ioc_.restart();
    loop();
    ioc_.run_for(timeout);
    if (!out.closed) {
      boost::system::error_code ec;
      sock_.cancel(ec);
      ioc_.restart();
      ioc_.run();
      out.closed = false;
    }
    return out;
  }

  tcp::socket& socket() { return sock_; }

 private:
  // Starts an operation and runs the loop until it reports done or the
  // timeout passes (then the operation is cancelled). Returns done.
  template <class Start>
  bool run(Start&& start, std::chrono::milliseconds timeout) {
    bool done = false;
    ioc_.restart();
    start(done);
    ioc_.run_for(timeout);
    if (!done) {
      boost::system::error_code ec;
      sock_.cancel(ec);
      ioc_.restart();
      ioc_.run();
    }
    return done;
  }

  net::io_context ioc_;
  tcp::socket sock_{ioc_};
  boost::beast::flat_buffer buffer_;
};

// Polls `pred` until true or the deadline passes (a deadline wait, not a
// sleep used for ordering).
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

inline std::string get_request(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_headers) + "\r\n";
}

}  // namespace caas::http::test
