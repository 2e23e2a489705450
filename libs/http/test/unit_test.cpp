// Pure-function tests: URL parsing, percent-decoding, query strings,
// request-target forms and Host values, routing, headers, error bodies,
// request ids.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "caas/http/client.hpp"
#include "caas/http/server.hpp"
#include "caas/http/url.hpp"
#include "request_target.hpp"

using namespace caas::http;

TEST_CASE("parse_url splits scheme, host, port and target", "[url]") {
  auto u = parse_url("http://example.com/a/b?x=1#frag");
  REQUIRE(u.ok());
  CHECK(u->scheme == "http");
  CHECK(u->host == "example.com");
  CHECK(u->port == 80);
  CHECK(u->target == "/a/b?x=1");
  CHECK(u->host_header() == "example.com");

  auto s = parse_url("HTTPS://Example.com:8443");
  REQUIRE(s.ok());
  CHECK(s->scheme == "https");
  CHECK(s->tls());
  CHECK(s->port == 8443);
  CHECK(s->target == "/");
  CHECK(s->host_header() == "Example.com:8443");

  auto d = parse_url("https://h");
  REQUIRE(d.ok());
  CHECK(d->port == 443);

  auto v6 = parse_url("http://[::1]:9000/x");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 9000);
  CHECK(v6->host_header() == "[::1]:9000");

  auto q = parse_url("http://h?only=query");
  REQUIRE(q.ok());
  CHECK(q->target == "/?only=query");
}

TEST_CASE("parse_url refuses what it cannot serve", "[url]") {
  for (const char* bad : {"ftp://h/", "h/path", "http://", "http://:80/", "http://h:0/", "http://h:65536/",
                          "http://h:12x/", "http://user:pw@h/", "http://[::1/", "http://h:/", "http://h/a b"}) {
    INFO(bad);
    auto r = parse_url(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ClientErrc::invalid_url);
  }
}

TEST_CASE("percent_decode and parse_query", "[url]") {
  CHECK(percent_decode("a%20b%2Fc") == std::optional<std::string>("a b/c"));
  CHECK(percent_decode("a+b") == std::optional<std::string>("a+b"));
  CHECK(percent_decode("a+b", true) == std::optional<std::string>("a b"));
  CHECK_FALSE(percent_decode("%2").has_value());
  CHECK_FALSE(percent_decode("%zz").has_value());
  CHECK_FALSE(percent_decode("abc%").has_value());

  auto q = parse_query("limit=10&name=J%C3%BCrgen+X&flag&&empty=&bad=%zz");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::pair<std::string, std::string>("limit", "10"));
  CHECK(q[1].second == "J\xC3\xBCrgen X");
  CHECK(q[2] == std::pair<std::string, std::string>("flag", ""));
  CHECK(q[3] == std::pair<std::string, std::string>("empty", ""));
  CHECK(q[4].second == "%zz");

  Request r;
  r.query_params = q;
  CHECK(r.query("limit") == std::optional<std::string>("10"));
  CHECK_FALSE(r.query("missing").has_value());
}

TEST_CASE("router matches params, prefers literals, reports 404 and 405", "[router]") {
  Router router;
  auto noop = [](Request&&, Responder) {};
  router.add("GET", "/api/v1/orders/{id}/status", noop)
      .add("PUT", "/api/v1/orders/{id}/status", noop)
      .add("GET", "/api/v1/orders/{id}", noop)
      .add("GET", "/api/v1/orders/summary", noop)
      .add("GET", "/", noop);

  auto m = router.match("GET", "/api/v1/orders/o%2F42/status");
  REQUIRE(m.outcome == Router::Outcome::found);
  CHECK(m.pattern == "/api/v1/orders/{id}/status");
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0] == std::pair<std::string, std::string>("id", "o/42"));

  auto lit = router.match("GET", "/api/v1/orders/summary");
  REQUIRE(lit.outcome == Router::Outcome::found);
  CHECK(lit.pattern == "/api/v1/orders/summary");
  CHECK(lit.params.empty());

  CHECK(router.match("GET", "/").outcome == Router::Outcome::found);
  CHECK(router.match("GET", "/api/v1/orders//status").outcome == Router::Outcome::not_found);
  CHECK(router.match("GET", "/api/v1/orders/1/status/x").outcome == Router::Outcome::not_found);
  CHECK(router.match("GET", "/nope").outcome == Router::Outcome::not_found);

  auto wrong = router.match("DELETE", "/api/v1/orders/1/status");
  REQUIRE(wrong.outcome == Router::Outcome::method_not_allowed);
  CHECK(wrong.allowed == std::vector<std::string>{"GET", "PUT"});
}

TEST_CASE("headers are case-insensitive and keep repeats", "[message]") {
  Headers h;
  h.add("Content-Type", "application/json");
  h.add("X-Dup", "1");
  h.add("x-dup", "2");
  CHECK(h.get("content-type") == std::optional<std::string_view>("application/json"));
  CHECK(h.count("X-DUP") == 2);
  CHECK(h.get("x-dup") == std::optional<std::string_view>("1"));
  h.set("X-Dup", "3");
  CHECK(h.count("x-dup") == 1);
  CHECK(h.get("X-Dup") == std::optional<std::string_view>("3"));
  h.erase("CONTENT-TYPE");
  CHECK_FALSE(h.contains("content-type"));
}

TEST_CASE("error_response builds the DESIGN.md section 6 body", "[message]") {
  auto r = error_response(404, "not_found", "order \"x\" unknown",
                          {{"order_id", std::string("x")}, {"received", false}, {"attempt", std::int64_t{3}}});
  CHECK(r.status == 404);
  CHECK(r.headers.get("Content-Type") == std::optional<std::string_view>("application/json"));
  CHECK(r.body ==
        R"({"error":"not_found","message":"order \"x\" unknown","order_id":"x","received":false,"attempt":3})");
  CHECK_FALSE(r.headers.contains("Retry-After"));
  auto busy = error_response(503, "overloaded", "later");
  CHECK(busy.headers.get("Retry-After") == std::optional<std::string_view>("1"));
}

TEST_CASE("request ids: validation and UUID v4 generation", "[message]") {
  CHECK(valid_request_id("abc-123"));
  CHECK(valid_request_id(std::string(128, 'a')));
  CHECK_FALSE(valid_request_id(std::string(129, 'a')));
  CHECK_FALSE(valid_request_id(""));
  CHECK_FALSE(valid_request_id("has space"));
  CHECK_FALSE(valid_request_id("ctl\x01"));
  const auto a = generate_uuid_v4();
  const auto b = generate_uuid_v4();
  CHECK(a != b);
  REQUIRE(a.size() == 36);
  CHECK(a[14] == '4');
  CHECK((a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b'));
}

TEST_CASE("request id generator: UUID v4 shape, no repeats, independent seeds", "[message]") {
  RequestIdGenerator ids;
  RequestIdGenerator other;
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto id = ids.next();
    REQUIRE(id.size() == 36);
    REQUIRE(id[8] == '-');
    REQUIRE(id[14] == '4');
    REQUIRE((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));
    REQUIRE(valid_request_id(id));
    REQUIRE(seen.insert(id).second);
  }
  // Two generators do not replay each other's sequence (seeded apart).
  CHECK(seen.count(other.next()) == 0);
}

TEST_CASE("client error codes have their own category", "[client]") {
  std::error_code ec = ClientErrc::timeout;
  CHECK(ec.category().name() == std::string("caas.http.client"));
  CHECK(ec.message() == "timeout");
  CHECK(ec != std::error_code(ClientErrc::connect_failed));
}

TEST_CASE("request-target: origin form as is, http(s) absolute form reduced to path and query", "[target]") {
  using detail::split_request_target;
  auto origin = split_request_target("/a/b?x=1&y");
  REQUIRE(origin);
  CHECK(origin->path == "/a/b");
  CHECK(origin->query == std::optional<std::string_view>("x=1&y"));
  CHECK_FALSE(split_request_target("/a")->query);
  CHECK(split_request_target("/a?")->query == std::optional<std::string_view>(""));

  auto absolute = split_request_target("http://127.0.0.1:8080/api/v1/x?y=z");
  REQUIRE(absolute);
  CHECK(absolute->path == "/api/v1/x");
  CHECK(absolute->query == std::optional<std::string_view>("y=z"));
  CHECK(split_request_target("HTTPS://Example.COM/p")->path == "/p");
  CHECK(split_request_target("http://[::1]:80/p")->path == "/p");
  auto no_path = split_request_target("http://host?q=1");
  REQUIRE(no_path);
  CHECK(no_path->path == "/");
  CHECK(no_path->query == std::optional<std::string_view>("q=1"));
  CHECK(split_request_target("http://host")->path == "/");

  for (std::string_view bad :
       {"", "*", "host:443", "ftp://host/p", "http:/host/p", "http:///p", "http://:80/p", "http://user@host/p",
        "http://host:8x/p", "http://ho st/p", "http://[::1/p", "http://host#frag", "a/b"}) {
    INFO(bad);
    CHECK_FALSE(split_request_target(bad));
  }
}

TEST_CASE("apply_request_target gives handlers the origin form", "[target]") {
  Request absolute;
  detail::apply_request_target(*detail::split_request_target("http://h:1/a%20b?k=v%21&flag"), absolute);
  Request origin;
  detail::apply_request_target(*detail::split_request_target("/a%20b?k=v%21&flag"), origin);
  for (const Request* r : {&absolute, &origin}) {
    CHECK(r->target == "/a%20b?k=v%21&flag");
    CHECK(r->path == "/a%20b");
    CHECK(r->query("k") == std::optional<std::string>("v!"));
    CHECK(r->query("flag") == std::optional<std::string>(""));
  }
  Request root;
  detail::apply_request_target(*detail::split_request_target("http://h?x=1"), root);
  CHECK(root.target == "/?x=1");
  CHECK(root.path == "/");
}

TEST_CASE("Host values: uri-host [\":\" port]", "[target]") {
  for (std::string_view ok : {"", "localhost", "127.0.0.1:8080", "Example.com", "[::1]", "[::1]:443", "a-b.c_d~e",
                              "xn--bcher-kva.example", "host:", "%41bc"}) {
    INFO(ok);
    CHECK(detail::valid_host(ok));
  }
  for (std::string_view bad : {"a b", "host:port", "host:123456", ":80", "user@host", "[::1", "[]", "[::1]x",
                               "host/path", "%4", "%zz", "ho\tst", "a,b:1:2"}) {
    INFO(bad);
    CHECK_FALSE(detail::valid_host(bad));
  }
}
