// 1,000 concurrent keep-alive connections, two sequential requests each,
// driven by raw Asio sockets on one io_context.
#include <sys/resource.h>

#include <catch2/catch.hpp>

#include "caas/http/server.hpp"
#include "test_support.hpp"

using namespace caas::http;
using namespace caas::http::test;

namespace {

// Both ends live in this process: ~2 descriptors per connection.
void raise_fd_limit(rlim_t wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur >= wanted) return;
  rl.rlim_cur = std::min(wanted, rl.rlim_max);
  setrlimit(RLIMIT_NOFILE, &rl);
}

struct Client : std::enable_shared_from_this<Client> {
  Client(net::io_context& ioc, std::uint16_t port, int requests, int& ok, int& failed)
      : sock(ioc), port_(port), remaining(requests), ok_(ok), failed_(failed) {}

  void start() {
    sock.async_connect({net::ip::address_v4::loopback(), port_},
                       [self = shared_from_this()](boost::system::error_code ec) {
                         if (ec) return self->fail();
                         self->send();
                       });
  }
  void send() {
    request = get_request("/ping");
    net::async_write(sock, net::buffer(request),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->fail();
                       self->res = {};
                       bhttp::async_read(self->sock, self->buf, self->res,
                                         [self](boost::system::error_code e, std::size_t) { self->on_response(e); });
                     });
  }
  void on_response(boost::system::error_code ec) {
    if (ec || res.result_int() != 200 || !res.keep_alive()) return fail();
    ++ok_;
    if (--remaining > 0) return send();
  }
  void fail() { ++failed_; }

  tcp::socket sock;
  std::uint16_t port_;
  int remaining;
  int& ok_;
  int& failed_;
  std::string request;
  boost::beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
};

}  // namespace

TEST_CASE("1000 concurrent keep-alive connections are all served", "[server][load]") {
  constexpr int kConnections = 1000;
  constexpr int kRequests = 2;
  raise_fd_limit(4 * kConnections + 256);

  ServerOptions opts;
  opts.address = "127.0.0.1";
  opts.threads = 2;
  Router router;
  router.add_sync("GET", "/ping", [](const Request&) { return Response::text(200, "pong"); });
  Server server(opts, std::move(router));
  server.start();

  net::io_context ioc;
  int ok = 0;
  int failed = 0;
  std::vector<std::shared_ptr<Client>> clients;
  clients.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_shared<Client>(ioc, server.port(), kRequests, ok, failed));
    clients.back()->start();
  }
  ioc.run_for(60s);  // returns as soon as every exchange is over
  CHECK(failed == 0);
  CHECK(ok == kConnections * kRequests);
  // All still open: they were kept alive, concurrently.
  CHECK(server.connections() == static_cast<std::size_t>(kConnections));
  clients.clear();
  CHECK(wait_until([&] { return server.connections() == 0; }, 10s));
}
