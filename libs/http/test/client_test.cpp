// HttpClient against the in-process server and against misbehaving peers.
#include <future>
#include <set>

#include <catch2/catch.hpp>

#include "caas/http/client.hpp"
#include "caas/http/server.hpp"
#include "test_support.hpp"

using namespace caas::http;
using namespace caas::http::test;

namespace {

Router client_router() {
  Router r;
  r.add_sync("GET", "/hello/{name}", [](const Request& req) {
    Response out = Response::text(200, "hello " + std::string(req.param("name")));
    out.headers.set("X-Remote-Port", std::to_string(req.remote_port));
    out.headers.set("X-UA", std::string(req.header("User-Agent").value_or("")));
    return out;
  });
  r.add_sync("POST", "/echo", [](const Request& req) {
    Response out = Response::json(201, req.body);
    out.headers.set("X-Method", req.method);
    out.headers.set("X-Custom", std::string(req.header("X-Custom").value_or("")));
    return out;
  });
  r.add_sync("GET", "/big", [](const Request&) { return Response::text(200, std::string(100000, 'z')); });
  return r;
}

ServerOptions server_options() {
  ServerOptions o;
  o.address = "127.0.0.1";
  return o;
}

std::string url(const Server& s, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(s.port()) + std::string(path);
}

}  // namespace

TEST_CASE("client: request and response round trip", "[client]") {
  Server server(server_options(), client_router());
  server.start();
  HttpClient client;

  auto r = client.request({"GET", url(server, "/hello/world"), {}, {}});
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "hello world");
  CHECK(r->headers.get("x-ua") == std::optional<std::string_view>("caas-http/0.1"));
  CHECK(r->headers.get("X-Request-Id").has_value());

  ClientRequest post{"POST", url(server, "/echo"), {}, R"({"a":1})"};
  post.headers.add("X-Custom", "yes");
  auto p = client.request(post);
  REQUIRE(p.ok());
  CHECK(p->status == 201);
  CHECK(p->body == R"({"a":1})");
  CHECK(p->headers.get("X-Custom") == std::optional<std::string_view>("yes"));

  auto nf = client.request({"GET", url(server, "/missing"), {}, {}});
  REQUIRE(nf.ok());  // an HTTP error status is a value, not a transport error
  CHECK(nf->status == 404);
}

TEST_CASE("client: keep-alive connections are reused", "[client]") {
  Server server(server_options(), client_router());
  server.start();
  HttpClient client;
  std::set<std::string> ports;
  for (int i = 0; i < 5; ++i) {
    auto r = client.request({"GET", url(server, "/hello/x"), {}, {}});
    REQUIRE(r.ok());
    ports.insert(std::string(r->headers.get("X-Remote-Port").value_or("")));
  }
  CHECK(ports.size() == 1);
  CHECK(server.connections() == 1);
  CHECK(client.idle_connections() == 1);
}

TEST_CASE("client: a pooled connection closed by the server is replaced", "[client]") {
  auto opts = server_options();
  opts.idle_timeout = 100ms;
  Server server(opts, client_router());
  server.start();
  HttpClient client;
  REQUIRE(client.request({"GET", url(server, "/hello/a"), {}, {}}).ok());
  REQUIRE(wait_until([&] { return server.connections() == 0; }));
  auto again = client.request({"POST", url(server, "/echo"), {}, "x"});
  REQUIRE(again.ok());
  CHECK(again->status == 201);
}

TEST_CASE("client: timeout against a server that never answers", "[client]") {
  net::io_context ioc;
  tcp::acceptor mute(ioc, {net::ip::address_v4::loopback(), 0});  // listens, never accepts
  const auto port = mute.local_endpoint().port();
  HttpClient client;
  const auto t0 = Clock::now();
  auto r = client.request({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, {}}, 300ms);
  const auto elapsed = Clock::now() - t0;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ClientErrc::timeout);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("client: connect failure", "[client]") {
  std::uint16_t port = 0;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::address_v4::loopback(), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  HttpClient client;
  auto r = client.request({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, {}}, 2s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ClientErrc::connect_failed);
}

TEST_CASE("client: response body limit", "[client]") {
  Server server(server_options(), client_router());
  server.start();
  ClientOptions o;
  o.max_response_body_bytes = 1024;
  HttpClient client(o);
  auto r = client.request({"GET", url(server, "/big"), {}, {}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ClientErrc::body_too_large);
  CHECK(client.idle_connections() == 0);
  auto ok = client.request({"GET", url(server, "/hello/again"), {}, {}});
  REQUIRE(ok.ok());
}

TEST_CASE("client: invalid URL and TLS failure are distinct errors", "[client]") {
  Server server(server_options(), client_router());
  server.start();
  HttpClient client;
  auto bad = client.request({"GET", "ftp://x/", {}, {}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ClientErrc::invalid_url);

  // https:// to a plain HTTP server: the handshake fails.
  auto tls = client.request({"GET", "https://127.0.0.1:" + std::to_string(server.port()) + "/", {}, {}}, 2s);
  REQUIRE_FALSE(tls.ok());
  CHECK(tls.error().code == ClientErrc::tls_error);
}

TEST_CASE("client: async callback form", "[client]") {
  Server server(server_options(), client_router());
  server.start();
  HttpClient client;
  std::promise<caas::Result<Response>> done;
  client.async_request({"GET", url(server, "/hello/async"), {}, {}},
                       [&done](caas::Result<Response> r) { done.set_value(std::move(r)); });
  auto f = done.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto r = f.get();
  REQUIRE(r.ok());
  CHECK(r->body == "hello async");
}
