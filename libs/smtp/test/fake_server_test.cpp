// SmtpClient against scripted raw-socket servers: protocol edge cases.
#include <chrono>
#include <future>

#include <catch2/catch.hpp>

#include "caas/smtp/client.hpp"
#include "eventually.hpp"
#include "fake_server.hpp"

using namespace caas::smtp;
using namespace caas::smtp::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

ClientOptions options_for(const FakeServer& server) {
  ClientOptions o;
  o.port = server.port();
  o.connect_timeout = 2s;
  o.command_timeout = 3s;
  return o;
}

Mail mail(std::string to = "ana@example.com") {
  Mail m;
  m.from = "notifications@caas.example";
  m.to = std::move(to);
  m.subject = "Hello";
  m.text_body = "Hello Ana\n";
  m.message_id = "fake-1@caas.example";
  m.date = "Tue, 01 Jul 2025 10:00:00 +0000";
  return m;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::size_t count_prefix(const std::vector<std::string>& lines, std::string_view prefix) {
  std::size_t n = 0;
  for (const auto& l : lines) n += starts_with(l, prefix) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("fake: multi-line replies, delivered byte by byte", "[fake]") {
  FakeServer server([](Session& s) {
    s.send_trickle("220-fake.test first line\r\n220-second line\r\n220 ready\r\n");
    serve(
        s,
        [](const std::string& cmd, Session& session) -> std::optional<std::string> {
          if (starts_with(cmd, "EHLO")) {
            session.send_trickle("250-fake.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250 HELP\r\n");
          } else if (cmd == "<body>") {
            session.send_trickle("250-2.0.0 accepted\r\n250 queued as Q42\r\n");
          } else if (starts_with(cmd, "MAIL") || starts_with(cmd, "RCPT")) {
            session.send_trickle("250 OK\r\n");
          } else {
            return std::nullopt;
          }
          return "<sent>";
        },
        "");
  });
  SmtpClient client(options_for(server));
  auto r = client.send(mail(), 5s);
  INFO((r ? "" : r.error().to_error().message));
  REQUIRE(r.ok());
  CHECK(r->reply.code == 250);
  CHECK(r->reply.text == "2.0.0 accepted\nqueued as Q42");
  CHECK_FALSE(r->reused_connection);
  // SIZE advertised → SIZE parameter; the message is 7-bit → no BODY=8BITMIME.
  const auto cmds = server.commands();
  REQUIRE(count_prefix(cmds, "MAIL FROM:<notifications@caas.example> SIZE=") == 1);
  CHECK(count_prefix(cmds, "RCPT TO:<ana@example.com>") == 1);
  for (const auto& c : cmds) CHECK(c.find("8BITMIME") == std::string::npos);
}

TEST_CASE("fake: EHLO refused falls back to HELO", "[fake]") {
  FakeServer server([](Session& s) {
    serve(s, [](const std::string& cmd, Session&) -> std::optional<std::string> {
      if (starts_with(cmd, "EHLO")) return "502 5.5.2 command not recognized\r\n";
      return std::nullopt;
    });
  });
  auto options = options_for(server);
  options.helo_name = "notifier.test";
  SmtpClient client(options);
  auto r = client.send(mail(), 5s);
  REQUIRE(r.ok());
  const auto cmds = server.commands();
  CHECK(count_prefix(cmds, "EHLO notifier.test") == 1);
  CHECK(count_prefix(cmds, "HELO notifier.test") == 1);
  // No EHLO → no SIZE parameter.
  CHECK(count_prefix(cmds, "MAIL FROM:<notifications@caas.example>") == 1);
  for (const auto& c : cmds) CHECK(c.find("SIZE=") == std::string::npos);
}

TEST_CASE("fake: garbage reply is a protocol error and the connection is dropped", "[fake]") {
  FakeServer server([](Session& s) {
    serve(s, [](const std::string& cmd, Session&) -> std::optional<std::string> {
      if (starts_with(cmd, "MAIL")) return "hello there, I am not SMTP\r\n";
      return std::nullopt;
    });
  });
  SmtpClient client(options_for(server));
  auto r = client.send(mail(), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::protocol_error);
  CHECK(r.error().stage == Stage::mail_from);
  CHECK_FALSE(r.error().maybe_delivered);
  CHECK_FALSE(is_permanent(r.error()));
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("fake: an endless reply line is a protocol error", "[fake]") {
  FakeServer server([](Session& s) {
    s.send("220 " + std::string(10000, 'x'));
    s.stall();
  });
  SmtpClient client(options_for(server));
  auto r = client.send(mail(), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::protocol_error);
  CHECK(r.error().stage == Stage::greeting);
}

TEST_CASE("fake: an unexpected success code where 354 is due is a protocol error", "[fake]") {
  FakeServer server([](Session& s) {
    serve(s, [](const std::string& cmd, Session&) -> std::optional<std::string> {
      if (cmd == "DATA") return "250 OK\r\n";
      return std::nullopt;
    });
  });
  SmtpClient client(options_for(server));
  auto r = client.send(mail(), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::protocol_error);
  CHECK(r.error().stage == Stage::data);
  CHECK(r.error().reply_code == 250);
}

TEST_CASE("fake: greeting 554 is a permanent rejection, 421 at EHLO a transient one", "[fake]") {
  FakeServer refusing([](Session& s) {
    s.send("554 5.3.2 no service for you\r\n");
    serve(s, {}, "");
  });
  SmtpClient c1(options_for(refusing));
  auto r = c1.send(mail(), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::permanent_rejection);
  CHECK(r.error().stage == Stage::greeting);
  CHECK(r.error().reply_code == 554);
  CHECK(r.error().reply_text == "5.3.2 no service for you");

  FakeServer busy([](Session& s) {
    serve(s, [](const std::string& cmd, Session&) -> std::optional<std::string> {
      if (starts_with(cmd, "EHLO")) return "421 4.3.2 too busy, closing\r\n";
      return std::nullopt;
    });
  });
  SmtpClient c2(options_for(busy));
  r = c2.send(mail(), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::transient_rejection);
  CHECK(r.error().stage == Stage::ehlo);
  CHECK(r.error().reply_code == 421);
}

TEST_CASE("fake: a silent server times out at the greeting within the deadline", "[fake]") {
  FakeServer server([](Session& s) { s.stall(); });
  SmtpClient client(options_for(server));
  const auto t0 = Clock::now();
  auto r = client.send(mail(), 300ms);
  const auto took = Clock::now() - t0;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::timeout);
  CHECK(r.error().stage == Stage::greeting);
  CHECK(took >= 250ms);
  CHECK(took < 2s);

  // Without a call deadline, command_timeout bounds each reply.
  auto options = options_for(server);
  options.command_timeout = 200ms;
  SmtpClient short_client(options);
  const auto t1 = Clock::now();
  r = short_client.send(mail());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::timeout);
  CHECK(Clock::now() - t1 < 2s);
}

TEST_CASE("fake: a stale pooled connection is retried once on a fresh one", "[fake]") {
  // The first session serves one message, then dies at the next MAIL FROM
  // without answering (the classic idle-timeout race).
  FakeServer server([](Session& s) {
    if (s.index() == 0) {
      serve(s, [served = 0](const std::string& cmd, Session&) mutable -> std::optional<std::string> {
        if (starts_with(cmd, "MAIL") && served++ == 1) return "<close>";
        return std::nullopt;
      });
    } else {
      serve(s);
    }
  });
  SmtpClient client(options_for(server));
  REQUIRE(client.send(mail(), 5s).ok());
  CHECK(client.idle_connections() == 1);
  auto r = client.send(mail(), 5s);
  INFO((r ? "" : r.error().to_error().message));
  REQUIRE(r.ok());
  CHECK_FALSE(r->reused_connection);  // it ended on the fresh connection
  CHECK(r->reply.text == "2.0.0 queued as FAKE1");
  CHECK(server.connections() == 2);
  CHECK(client.connections_opened() == 2);
}

TEST_CASE("fake: RSET before reusing a connection whose transaction failed", "[fake]") {
  FakeServer server([](Session& s) {
    serve(s, [](const std::string& cmd, Session&) -> std::optional<std::string> {
      if (starts_with(cmd, "RCPT TO:<reject-")) return "550 5.1.1 unknown mailbox\r\n";
      return std::nullopt;
    });
  });
  SmtpClient client(options_for(server));
  auto r = client.send(mail("reject-1@example.com"), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::permanent_rejection);
  CHECK(client.idle_connections() == 1);  // the session itself is fine
  auto ok = client.send(mail(), 5s);
  REQUIRE(ok.ok());
  CHECK(ok->reused_connection);
  const auto cmds = server.commands();
  // EHLO, MAIL, RCPT(550), RSET, MAIL, RCPT, DATA
  REQUIRE(cmds.size() >= 7);
  CHECK(starts_with(cmds[3], "RSET"));
  CHECK(starts_with(cmds[4], "MAIL FROM"));
  CHECK(server.connections() == 1);
  // A successful transaction needs no RSET before the next one.
  REQUIRE(client.send(mail(), 5s).ok());
  CHECK(count_prefix(server.commands(), "RSET") == 1);
}

TEST_CASE("fake: dot stuffing on the wire", "[fake]") {
  FakeServer server([](Session& s) { serve(s); });
  SmtpClient client(options_for(server));
  auto m = mail();
  m.text_body = ".hidden\n.\nend\n";
  REQUIRE(client.send(m, 5s).ok());
  std::string data;
  for (const auto& l : server.lines()) {
    if (starts_with(l, "<data>")) data = l.substr(6);
  }
  CHECK(data.find("\r\n..hidden\r\n..\r\nend\r\n") != std::string::npos);
}

TEST_CASE("fake: connection closed after the body means outcome unknown", "[fake]") {
  FakeServer server([](Session& s) {
    serve(s, [](const std::string& cmd, Session&) -> std::optional<std::string> {
      if (cmd == "<body>") return "<close>";
      return std::nullopt;
    });
  });
  SmtpClient client(options_for(server));
  auto r = client.send(mail(), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::connection_closed);
  CHECK(r.error().stage == Stage::body);
  CHECK(r.error().maybe_delivered);
  CHECK_FALSE(is_permanent(r.error()));
}

TEST_CASE("fake: connection refused fails fast with connect_failed", "[fake]") {
  std::uint16_t port = 0;
  {
    FakeServer gone([](Session&) {});
    port = gone.port();
  }  // closed: nothing listens there any more
  ClientOptions o;
  o.port = port;
  SmtpClient client(o);
  const auto t0 = Clock::now();
  auto r = client.send(mail(), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::connect_failed);
  CHECK(r.error().stage == Stage::connect);
  CHECK_FALSE(r.error().maybe_delivered);
  CHECK(Clock::now() - t0 < 2s);
}

TEST_CASE("fake: the destructor says QUIT to pooled connections", "[fake]") {
  FakeServer server([](Session& s) { serve(s); });
  {
    SmtpClient client(options_for(server));
    REQUIRE(client.send(mail(), 5s).ok());
    CHECK(client.idle_connections() == 1);
  }
  CHECK(count_prefix(server.commands(), "QUIT") == 1);
}

TEST_CASE("fake: pending async sends complete with shutting_down on destruction", "[fake]") {
  FakeServer server([](Session& s) { s.stall(); });
  std::promise<SendResult> promise;
  auto future = promise.get_future();
  {
    SmtpClient client(options_for(server));
    client.async_send(mail(), [&promise](SendResult r) { promise.set_value(std::move(r)); });
    // Destroy the client once it is connected and waiting for the greeting.
    REQUIRE(caas::testing::eventually([&] { return server.connections() == 1; }, 5s));
  }
  REQUIRE(future.wait_for(0s) == std::future_status::ready);
  auto r = future.get();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::shutting_down);
}
