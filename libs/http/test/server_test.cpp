// Server behaviour over loopback: routing, conventions, limits, abuse,
// async responders, shutdown. Raw sockets drive the malformed cases.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "caas/http/server.hpp"
#include "test_support.hpp"

using namespace caas::http;
using namespace caas::http::test;

namespace {

// Responders parked by handlers so the test thread completes them later.
class Parked {
 public:
  void push(Request&& req, Responder r) {
    std::lock_guard lk(mu_);
    items_.emplace_back(std::move(req), std::move(r));
  }
  std::size_t size() {
    std::lock_guard lk(mu_);
    return items_.size();
  }
  std::pair<Request, Responder> take(std::size_t i) {
    std::lock_guard lk(mu_);
    return std::move(items_.at(i));
  }
  void clear() {
    std::lock_guard lk(mu_);
    items_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<Request, Responder>> items_;
};

struct CountingObserver : ServerObserver {
  void on_request_complete(std::string_view method, std::string_view route, int status,
                           std::chrono::nanoseconds) override {
    std::lock_guard lk(mu);
    completed.push_back(std::string(method) + " " + std::string(route) + " " + std::to_string(status));
  }
  void on_connections_changed(std::size_t open) override { connections = open; }
  void on_in_flight_changed(std::size_t n) override { in_flight = n; }
  std::mutex mu;
  std::vector<std::string> completed;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
};

Router test_router(Parked* parked = nullptr) {
  Router r;
  r.add_sync("GET", "/api/v1/orders/{id}/status", [](const Request& req) {
    return Response::json(
        200, R"({"id":")" + std::string(req.param("id")) + R"(","limit":")" + req.query("limit").value_or("") + "\"}");
  });
  r.add_sync("PUT", "/api/v1/orders/{id}/status", [](const Request&) { return Response::empty(204); });
  r.add_sync("POST", "/echo", [](const Request& req) {
    Response out = Response::text(200, req.body);
    out.headers.set("X-Dup-Count", std::to_string(req.headers.count("X-Dup")));
    out.headers.set("X-Seen-Request-Id", req.request_id);
    return out;
  });
  r.add_sync("GET", "/ping",
             [](const Request& req) { return Response::text(200, "pong " + std::to_string(req.remote_port)); });
  // What routing made of the target: target, path, {x}, ?q= and the body.
  const auto seen_target = [](const Request& req) {
    return Response::text(200, req.target + " " + req.path + " " + std::string(req.param("x")) + " " +
                                   req.query("q").value_or("-") + " " + req.body);
  };
  r.add_sync("GET", "/target/{x}", seen_target);
  r.add_sync("POST", "/target/{x}", seen_target);
  r.add_sync("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  r.add("GET", "/drop", [](Request&&, Responder) { /* dropped: must answer 500 */ });
  if (parked) {
    r.add("GET", "/park/{n}",
          [parked](Request&& req, Responder resp) { parked->push(std::move(req), std::move(resp)); });
  }
  return r;
}

ServerOptions fast_options() {
  ServerOptions o;
  o.address = "127.0.0.1";
  o.threads = 2;
  o.max_body_bytes = 1024;
  o.max_header_bytes = 4096;
  o.header_read_timeout = 300ms;
  o.body_read_timeout = 300ms;
  o.idle_timeout = 2s;
  o.shutdown_grace = 2s;
  return o;
}

std::string field(const bhttp::response<bhttp::string_body>& r, std::string_view name) {
  return std::string(r[name]);
}

}  // namespace

TEST_CASE("routing: path params, query, 404 and 405 with Allow", "[server]") {
  Server server(fast_options(), test_router());
  server.start();
  RawConn c(server.port());

  REQUIRE(c.send(get_request("/api/v1/orders/o%2042/status?limit=5&x=1")));
  auto ok = c.read_response();
  REQUIRE(ok);
  CHECK(ok->result_int() == 200);
  CHECK(ok->body() == R"({"id":"o 42","limit":"5"})");
  CHECK(field(*ok, "Content-Type") == "application/json");

  REQUIRE(c.send(get_request("/nowhere")));
  auto nf = c.read_response();
  REQUIRE(nf);
  CHECK(nf->result_int() == 404);
  CHECK(nf->body().find(R"("error":"not_found")") != std::string::npos);
  CHECK(nf->body().find(R"("message":)") != std::string::npos);

  REQUIRE(c.send("DELETE /api/v1/orders/1/status HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto na = c.read_response();
  REQUIRE(na);
  CHECK(na->result_int() == 405);
  CHECK(field(*na, "Allow") == "GET, PUT");
  CHECK(na->body().find(R"("error":"method_not_allowed")") != std::string::npos);
  CHECK(na->keep_alive());  // a routing error keeps the connection
}

TEST_CASE("X-Request-Id is echoed when valid and generated otherwise", "[server]") {
  Server server(fast_options(), test_router());
  server.start();
  RawConn c(server.port());
  REQUIRE(c.send(get_request("/ping", "X-Request-Id: abc-123\r\n")));
  auto r1 = c.read_response();
  REQUIRE(r1);
  CHECK(field(*r1, "X-Request-Id") == "abc-123");

  REQUIRE(c.send(get_request("/ping", "X-Request-Id: " + std::string(200, 'x') + "\r\n")));
  auto r2 = c.read_response();
  REQUIRE(r2);
  CHECK(field(*r2, "X-Request-Id").size() == 36);

  REQUIRE(c.send(get_request("/nowhere")));
  auto r3 = c.read_response();
  REQUIRE(r3);
  CHECK(field(*r3, "X-Request-Id").size() == 36);  // errors carry one too
}

TEST_CASE("request exposes body, repeated headers and request id", "[server]") {
  Server server(fast_options(), test_router());
  server.start();
  RawConn c(server.port());
  REQUIRE(
      c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Request-Id: rid-1\r\n"
             "Content-Length: 5\r\n\r\nhello"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->body() == "hello");
  CHECK(field(*r, "X-Dup-Count") == "2");
  CHECK(field(*r, "X-Seen-Request-Id") == "rid-1");
}

TEST_CASE("413 for an oversized body: Content-Length and chunked", "[server][limits]") {
  Server server(fast_options(), test_router());
  server.start();
  {
    RawConn c(server.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a')));
    auto d = c.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(d.data.find(R"("error":"payload_too_large")") != std::string::npos);
    CHECK(d.closed);
  }
  {
    RawConn c(server.port());
    std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) req += "200\r\n" + std::string(512, 'b') + "\r\n";
    req += "0\r\n\r\n";
    c.send(req);  // the server may stop reading early
    auto d = c.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(d.closed);
  }
  {  // a body just under the limit still works
    RawConn c(server.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'c')));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->result_int() == 200);
    CHECK(r->body().size() == 1024);
  }
}

TEST_CASE("Expect: 100-continue with an oversized Content-Length gets 413 and never 100", "[server][limits]") {
  Server server(fast_options(), test_router());
  server.start();
  RawConn c(server.port());
  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10485760\r\n\r\n"));
  auto d = c.read_until_close();
  CHECK(d.data.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(d.data.find("100 Continue") == std::string::npos);
  CHECK(d.closed);

  // An acceptable size gets the interim 100 and then the answer.
  RawConn ok(server.port());
  REQUIRE(ok.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  auto interim = ok.read_response();
  REQUIRE(interim);
  CHECK(interim->result_int() == 100);
  REQUIRE(ok.send("abc"));
  auto final_response = ok.read_response();
  REQUIRE(final_response);
  CHECK(final_response->result_int() == 200);
  CHECK(final_response->body() == "abc");
}

TEST_CASE("431 for oversized headers", "[server][limits]") {
  Server server(fast_options(), test_router());
  server.start();
  RawConn c(server.port());
  c.send(get_request("/ping", "X-Big: " + std::string(8000, 'h') + "\r\n"));
  auto d = c.read_until_close();
  CHECK(d.data.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(d.closed);
}

// A request head with `n` header fields in all: Host and n - 1 others.
std::string request_with_fields(std::size_t n) {
  std::string req = "GET /ping HTTP/1.1\r\nHost: x\r\n";
  for (std::size_t i = 1; i < n; ++i) req += "X-F" + std::to_string(i) + ": v\r\n";
  return req + "\r\n";
}

TEST_CASE("431 beyond max_header_fields (default 100), trailers included, while the byte limit still applies",
          "[server][limits]") {
  auto opts = fast_options();
  opts.max_header_bytes = 16 << 10;  // room for 101 short fields: the count decides
  CHECK(ServerOptions{}.max_header_fields == 100);
  Server server(opts, test_router());
  server.start();
  {
    RawConn c(server.port());
    REQUIRE(c.send(request_with_fields(100)));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->result_int() == 200);
  }
  {
    RawConn c(server.port());
    c.send(request_with_fields(101));
    auto d = c.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(d.data.find(R"({"error":"too_many_headers","message":"request has more than 100 header fields"})") !=
          std::string::npos);
    CHECK(d.closed);
  }
  {  // trailer fields of a chunked body count too (Beast merges them into the header)
    RawConn c(server.port());
    std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n";
    for (int i = 0; i < 99; ++i) req += "X-T" + std::to_string(i) + ": v\r\n";
    c.send(req + "\r\n");
    auto d = c.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(d.closed);
  }
  {  // few fields, too many bytes: still the byte limit's 431
    RawConn c(server.port());
    c.send(get_request("/ping", "X-Big: " + std::string(20000, 'h') + "\r\n"));
    auto d = c.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(d.data.find(R"("error":"headers_too_large")") != std::string::npos);
  }
}

TEST_CASE("max_header_fields is configurable", "[server][limits]") {
  auto opts = fast_options();
  opts.max_header_fields = 3;
  Server server(opts, test_router());
  server.start();
  RawConn ok(server.port());
  REQUIRE(ok.send(request_with_fields(3)));
  auto r = ok.read_response();
  REQUIRE(r);
  CHECK(r->result_int() == 200);
  RawConn over(server.port());
  over.send(request_with_fields(4));
  auto d = over.read_until_close();
  CHECK(d.data.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(d.data.find("more than 3 header fields") != std::string::npos);
}

TEST_CASE("Host: an HTTP/1.1 request needs exactly one valid Host (400 otherwise), HTTP/1.0 may omit it",
          "[server][abuse]") {
  CountingObserver observer;
  Server server(fast_options(), test_router(), &observer);
  server.start();
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"GET /ping HTTP/1.1\r\n\r\n", "HTTP/1.1 request without a Host header"},
      {"POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 request without a Host header"},
      {"GET http://x/ping HTTP/1.1\r\n\r\n", "HTTP/1.1 request without a Host header"},
      {"GET /ping HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", "duplicate Content-Length or Host header"},
      {"GET /ping HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "duplicate Content-Length or Host header"},
      {"GET /ping HTTP/1.1\r\nHost: a b\r\n\r\n", "invalid Host header"},
      {"GET /ping HTTP/1.1\r\nHost: user@a\r\n\r\n", "invalid Host header"},
      {"GET /ping HTTP/1.1\r\nHost: a:http\r\n\r\n", "invalid Host header"},
      // Beast merges trailers into the header: a Host arriving there is checked too.
      {"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nHost: a b\r\n\r\n",
       "invalid Host header"},
  };
  for (const auto& [req, message] : bad) {
    INFO(req);
    RawConn c(server.port());
    c.send(req);
    auto d = c.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(d.data.find("Content-Type: application/json") != std::string::npos);
    CHECK(d.data.find(R"({"error":"bad_request","message":")" + message + R"("})") != std::string::npos);
    CHECK(d.closed);
  }
  {
    std::lock_guard lk(observer.mu);
    CHECK(observer.completed.size() == bad.size());
    for (const auto& line : observer.completed) CHECK(line.find(" 400") != std::string::npos);  // never routed
  }
  RawConn http10(server.port());
  REQUIRE(http10.send("GET /ping HTTP/1.0\r\n\r\n"));
  auto r10 = http10.read_response();
  REQUIRE(r10);
  CHECK(r10->result_int() == 200);
  RawConn empty_host(server.port());  // allowed when the target has no authority
  REQUIRE(empty_host.send("GET /ping HTTP/1.1\r\nHost:\r\n\r\n"));
  auto re = empty_host.read_response();
  REQUIRE(re);
  CHECK(re->result_int() == 200);
}

TEST_CASE("an absolute-form request-target is routed like the origin form", "[server]") {
  Server server(fast_options(), test_router());
  server.start();
  const auto port = std::to_string(server.port());
  RawConn c(server.port());
  auto exchange = [&](const std::string& req) {
    REQUIRE(c.send(req));
    auto r = c.read_response();
    REQUIRE(r);
    return std::make_pair(r->result_int(), r->body());
  };
  const auto origin = exchange("POST /target/a%20b?q=1%212 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
  CHECK(origin == std::make_pair(200u, std::string("/target/a%20b?q=1%212 /target/a%20b a b 1!2 body")));
  // Host names another authority: the target's wins, routing ignores both.
  CHECK(exchange("POST http://127.0.0.1:" + port +
                 "/target/a%20b?q=1%212 HTTP/1.1\r\nHost: other.example\r\nContent-Length: 4\r\n\r\nbody") == origin);
  CHECK(exchange("GET HTTPS://Example.com/target/z HTTP/1.1\r\nHost: example.com\r\n\r\n") ==
        std::make_pair(200u, std::string("/target/z /target/z z - ")));
  const auto by_params = exchange("GET http://[::1]:1/api/v1/orders/o%2042/status?limit=5 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(by_params == std::make_pair(200u, std::string(R"({"id":"o 42","limit":"5"})")));
  const auto root = exchange("GET http://x?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(root.first == 404);
  CHECK(root.second.find("no route for /\"") != std::string::npos);
  const auto not_allowed = exchange("DELETE http://x/target/y HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(not_allowed.first == 405);

  for (const std::string target : {"ftp://x/ping", "http:///ping", "http://u@x/ping", "*", "x:80", "ping"}) {
    INFO(target);
    RawConn bad(server.port());
    bad.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto d = bad.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(d.data.find("request-target must be an absolute path or an http(s) absolute URI") != std::string::npos);
    CHECK(d.closed);
  }
}

TEST_CASE("slow clients are closed within the read timeouts while others are served", "[server][timeouts]") {
  Server server(fast_options(), test_router());
  server.start();

  SECTION("half a header, then silence") {
    RawConn slow(server.port());
    const auto t0 = Clock::now();
    REQUIRE(slow.send("GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow"));
    RawConn fast(server.port());
    REQUIRE(fast.send(get_request("/ping")));
    auto r = fast.read_response();
    REQUIRE(r);
    CHECK(r->result_int() == 200);
    auto d = slow.read_until_close(3s);
    const auto elapsed = Clock::now() - t0;
    CHECK(d.closed);
    CHECK(d.data.empty());
    CHECK(elapsed >= 250ms);
    CHECK(elapsed < 2s);
  }
  SECTION("a body that never completes") {
    RawConn slow(server.port());
    const auto t0 = Clock::now();
    REQUIRE(slow.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
    RawConn fast(server.port());
    REQUIRE(fast.send(get_request("/ping")));
    auto r = fast.read_response();
    REQUIRE(r);
    CHECK(r->result_int() == 200);
    auto d = slow.read_until_close(3s);
    const auto elapsed = Clock::now() - t0;
    CHECK(d.closed);
    CHECK(elapsed >= 250ms);
    CHECK(elapsed < 2s);
  }
  SECTION("a connection that never sends anything") {
    RawConn silent(server.port());
    auto d = silent.read_until_close(3s);
    CHECK(d.closed);
  }
}

TEST_CASE("idle keep-alive connections are closed after idle_timeout", "[server][timeouts]") {
  auto opts = fast_options();
  opts.idle_timeout = 200ms;
  Server server(opts, test_router());
  server.start();
  RawConn c(server.port());
  REQUIRE(c.send(get_request("/ping")));
  REQUIRE(c.read_response());
  const auto t0 = Clock::now();
  auto d = c.read_until_close(3s);
  CHECK(d.closed);
  CHECK(Clock::now() - t0 < 2s);
}

TEST_CASE("deadlines move with a keep-alive connection and still cut a slow header", "[server][timeouts]") {
  // One timer serves every deadline of a connection and is only re-armed
  // when a deadline moves earlier: a busy connection must outlive its first
  // header timeout, and a slow header after an idle stretch must still be cut
  // at the header timeout, not at the later idle deadline.
  auto opts = fast_options();
  opts.threads = 1;
  opts.header_read_timeout = 300ms;
  opts.idle_timeout = 2s;
  Server server(opts, test_router());
  server.start();
  RawConn c(server.port());
  const auto t0 = Clock::now();
  int answered = 0;
  while (Clock::now() - t0 < 1200ms) {  // four header timeouts' worth of requests
    REQUIRE(c.send(get_request("/ping")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->result_int() == 200);
    ++answered;
    std::this_thread::sleep_for(50ms);  // the client's pace, not synchronisation
  }
  CHECK(answered >= 10);
  REQUIRE(c.send("GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow"));
  const auto t1 = Clock::now();
  auto d = c.read_until_close(3s);
  const auto elapsed = Clock::now() - t1;
  CHECK(d.closed);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 1500ms);  // the header timeout, well before the 2 s idle deadline
}

TEST_CASE("a watched descriptor is served on an I/O thread at start and on every wake-up", "[server][watch]") {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  REQUIRE(fd >= 0);
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  std::uint64_t total = 0;
  std::thread::id served_on;
  auto opts = fast_options();
  opts.threads = 1;
  opts.watches.push_back({fd, [&] {
                            std::uint64_t n = 0;
                            const bool got = ::read(fd, &n, sizeof n) == sizeof n;
                            std::lock_guard lk(mu);
                            ++calls;
                            if (got) total += n;
                            served_on = std::this_thread::get_id();
                            cv.notify_all();
                          }});
  auto wait_for = [&](auto pred) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 5s, pred);
  };
  {
    Server server(opts, test_router());
    server.start();
    CHECK(wait_for([&] { return calls >= 1; }));  // once at start, nothing written yet
    for (std::uint64_t i = 1; i <= 3; ++i) {
      const std::uint64_t one = 1;
      REQUIRE(::write(fd, &one, sizeof one) == sizeof one);
      CHECK(wait_for([&] { return total == i; }));
    }
    std::lock_guard lk(mu);
    CHECK(served_on != std::this_thread::get_id());
  }
  // Stopped: the descriptor is the caller's, still open and no longer served.
  CHECK(::fcntl(fd, F_GETFD) != -1);
  const int calls_after_stop = calls;
  const std::uint64_t one = 1;
  REQUIRE(::write(fd, &one, sizeof one) == sizeof one);
  CHECK(calls == calls_after_stop);
  ::close(fd);
}

TEST_CASE("malformed requests get 400, the connection closes, the server lives on", "[server][abuse]") {
  Server server(fast_options(), test_router());
  server.start();
  const std::vector<std::string> bad = {
      "GARBAGE\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 16),  // a TLS hello, say
      "GET /ping HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET /ping HTTP/1.1\r\nHost x\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "GET /ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
  };
  for (const auto& req : bad) {
    INFO(req);
    RawConn c(server.port());
    c.send(req);
    auto d = c.read_until_close();
    CHECK(d.data.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(d.closed);
  }
  RawConn ok(server.port());
  REQUIRE(ok.send(get_request("/ping")));
  auto r = ok.read_response();
  REQUIRE(r);
  CHECK(r->result_int() == 200);
}

TEST_CASE("pipelined requests are answered in order even when handlers finish out of order", "[server]") {
  Parked parked;
  Server server(fast_options(), test_router(&parked));
  server.start();
  RawConn c(server.port());
  REQUIRE(c.send(get_request("/park/1") + get_request("/park/2") + get_request("/ping")));
  REQUIRE(wait_until([&] { return parked.size() == 2; }));
  auto [req2, resp2] = parked.take(1);
  auto [req1, resp1] = parked.take(0);
  resp2(Response::text(200, std::string(req2.param("n"))));  // completes first, written second
  resp1(Response::text(200, std::string(req1.param("n"))));
  auto a = c.read_response();
  auto b = c.read_response();
  auto p = c.read_response();
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(p);
  CHECK(a->body() == "1");
  CHECK(b->body() == "2");
  CHECK(p->body().rfind("pong", 0) == 0);
}

TEST_CASE("async responder completes from another thread, a dropped one answers 500", "[server][async]") {
  Parked parked;
  CountingObserver obs;
  Server server(fast_options(), test_router(&parked), &obs);
  server.start();
  RawConn c(server.port());
  REQUIRE(c.send(get_request("/park/7")));
  REQUIRE(wait_until([&] { return parked.size() == 1; }));
  CHECK(server.in_flight() == 1);
  CHECK(obs.in_flight == 1);
  std::thread worker([&] {
    auto [req, resp] = parked.take(0);
    resp(Response::json(202, R"({"accepted":true})"));
    resp(Response::json(500, "{}"));  // second call ignored
  });
  worker.join();
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->result_int() == 202);
  CHECK(r->body() == R"({"accepted":true})");
  CHECK(wait_until([&] { return server.in_flight() == 0; }));

  REQUIRE(c.send(get_request("/drop")));
  auto dropped = c.read_response();
  REQUIRE(dropped);
  CHECK(dropped->result_int() == 500);
  CHECK(dropped->body().find(R"("error":"internal_error")") != std::string::npos);

  REQUIRE(c.send(get_request("/throw")));
  auto thrown = c.read_response();
  REQUIRE(thrown);
  CHECK(thrown->result_int() == 500);

  CHECK(wait_until([&] {
    std::lock_guard lk(obs.mu);
    return obs.completed.size() == 3;
  }));
  std::lock_guard lk(obs.mu);
  CHECK(obs.completed[0] == "GET /park/{n} 202");
  CHECK(obs.completed[1] == "GET /drop 500");
  CHECK(obs.connections == 1);
}

TEST_CASE("an asynchronous answer reaches a client that sent Connection: close or HTTP/1.0", "[server][async]") {
  // Nothing reads from such a connection while the answer is owed: the
  // session must keep itself alive for it (regression: it was closed unanswered).
  Parked parked;
  Server server(fast_options(), test_router(&parked));
  server.start();
  for (const auto* request :
       {"GET /park/1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "GET /park/2 HTTP/1.0\r\nHost: t\r\n\r\n"}) {
    INFO(request);
    RawConn c(server.port());
    REQUIRE(c.send(request));
    REQUIRE(wait_until([&] { return parked.size() == 1; }));
    std::thread worker([&] {
      auto [req, resp] = parked.take(0);
      resp(Response::json(201, R"({"created":true})"));
    });
    worker.join();
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->result_int() == 201);
    CHECK(r->body() == R"({"created":true})");
    CHECK_FALSE(r->keep_alive());
    parked.clear();
  }
  CHECK(wait_until([&] { return server.in_flight() == 0; }));
}

TEST_CASE("max_in_flight answers 503 with Retry-After", "[server][limits]") {
  Parked parked;
  auto opts = fast_options();
  opts.max_in_flight = 1;
  Server server(opts, test_router(&parked));
  server.start();
  RawConn a(server.port());
  REQUIRE(a.send(get_request("/park/1")));
  REQUIRE(wait_until([&] { return parked.size() == 1; }));
  RawConn b(server.port());
  REQUIRE(b.send(get_request("/ping")));
  auto r = b.read_response();
  REQUIRE(r);
  CHECK(r->result_int() == 503);
  CHECK(field(*r, "Retry-After") == "1");
  parked.clear();  // dropped: 500
  auto first = a.read_response();
  REQUIRE(first);
  CHECK(first->result_int() == 500);
}

TEST_CASE("max_connections closes connections above the limit", "[server][limits]") {
  auto opts = fast_options();
  opts.max_connections = 1;
  Server server(opts, test_router());
  server.start();
  RawConn a(server.port());
  REQUIRE(a.send(get_request("/ping")));
  REQUIRE(a.read_response());
  RawConn b(server.port());
  auto d = b.read_until_close();
  CHECK(d.closed);
  CHECK(d.data.empty());
}

TEST_CASE("max_requests_per_connection closes after the Nth response", "[server][limits]") {
  auto opts = fast_options();
  opts.max_requests_per_connection = 2;
  Server server(opts, test_router());
  server.start();
  RawConn c(server.port());
  REQUIRE(c.send(get_request("/ping")));
  auto r1 = c.read_response();
  REQUIRE(r1);
  CHECK(r1->keep_alive());
  REQUIRE(c.send(get_request("/ping")));
  auto r2 = c.read_response();
  REQUIRE(r2);
  CHECK_FALSE(r2->keep_alive());
  CHECK(c.read_until_close().closed);
}

TEST_CASE("graceful shutdown finishes an in-flight request and closes idle connections", "[server][shutdown]") {
  Parked parked;
  Server server(fast_options(), test_router(&parked));
  server.start();
  const auto port = server.port();
  RawConn idle(port);
  REQUIRE(idle.send(get_request("/ping")));
  REQUIRE(idle.read_response());
  RawConn busy(port);
  REQUIRE(busy.send(get_request("/park/1")));
  REQUIRE(wait_until([&] { return parked.size() == 1; }));

  auto stopping = std::async(std::launch::async, [&] { server.stop(5s); });
  // Shutdown has begun once new connections are refused.
  REQUIRE(wait_until([&] {
    try {
      RawConn probe(port);
      return false;
    } catch (const std::exception&) {
      return true;
    }
  }));
  CHECK(idle.read_until_close().closed);
  auto [req, resp] = parked.take(0);
  resp(Response::text(200, "finished"));
  auto r = busy.read_response();
  REQUIRE(r);
  CHECK(r->result_int() == 200);
  CHECK(r->body() == "finished");
  CHECK_FALSE(r->keep_alive());
  REQUIRE(stopping.wait_for(3s) == std::future_status::ready);
  CHECK(server.connections() == 0);
}

TEST_CASE("shutdown grace is bounded when a handler never answers", "[server][shutdown]") {
  Parked parked;
  Server server(fast_options(), test_router(&parked));
  server.start();
  RawConn busy(server.port());
  REQUIRE(busy.send(get_request("/park/1")));
  REQUIRE(wait_until([&] { return parked.size() == 1; }));
  const auto t0 = Clock::now();
  server.stop(200ms);
  CHECK(Clock::now() - t0 < 2s);
  CHECK(busy.read_until_close().closed);
  auto [req, resp] = parked.take(0);
  resp(Response::text(200, "too late"));  // harmless after stop
}

TEST_CASE("start throws when the port is taken", "[server]") {
  Server first(fast_options(), test_router());
  first.start();
  auto opts = fast_options();
  opts.port = first.port();
  Server second(opts, test_router());
  CHECK_THROWS_AS(second.start(), std::system_error);
}
