// SmtpClient against the real caas-mail-sink (aiosmtpd) as a child process:
// delivery read back from the sink's store, connection reuse, rejections,
// timeouts, a sink killed and restarted, throughput.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "caas/smtp/client.hpp"
#include "eventually.hpp"
#include "mail_sink.hpp"

using namespace caas::smtp;
using caas::testing::eventually;
using caas::testing::MailSink;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

ClientOptions options_for(const MailSink& sink) {
  ClientOptions o;
  o.port = sink.port();
  o.connect_timeout = 2s;
  o.command_timeout = 5s;
  return o;
}

Mail mail(std::string to, int n = 1) {
  Mail m;
  m.from = "notifications@caas.example";
  m.from_name = "CaaS";
  m.to = std::move(to);
  m.subject = "Order update " + std::to_string(n);
  m.text_body = "Message number " + std::to_string(n) + "\n";
  m.message_id = "n-" + std::to_string(n) + "@caas.example";
  return m;
}

std::string crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string describe(const SendResult& r) {
  return r ? "ok" : r.error().to_error().message;
}

}  // namespace

TEST_CASE("sink: a message is delivered and read back decoded", "[sink]") {
  MailSink sink;
  SmtpClient client(options_for(sink));
  Mail m;
  m.from = "notifications@caas.example";
  m.from_name = "Fábrica CaaS";
  m.to = "ana.garcia@example.es";
  m.subject = "Tu vehículo está en producción";
  m.text_body =
      "Hola Ana,\n\nTu vehículo (pedido ORD-42) está en producción en la línea 3.\n"
      ".Esta línea empieza con un punto.\n" +
      std::string(120, '=') + "\nSaludos,\nCaaS\n";
  m.message_id = "ord-42.production@caas.example";
  m.extra_headers = {{"X-CaaS-Order", "ORD-42"}};

  auto r = client.send(m, 5s);
  INFO(describe(r));
  REQUIRE(r.ok());
  CHECK(r->reply.code == 250);
  CHECK(r->reply.text == "2.0.0 OK queued as 00000001");

  REQUIRE(sink.wait_for_count(1, 5s));
  const auto got = sink.messages();
  REQUIRE(got.size() == 1);
  CHECK(got[0].seq == 1);
  CHECK(got[0].mail_from == "notifications@caas.example");
  CHECK(got[0].to == "ana.garcia@example.es");
  CHECK(got[0].subject == "Tu vehículo está en producción");
  CHECK(got[0].from == "Fábrica CaaS <notifications@caas.example>");
  CHECK(got[0].body == crlf(m.text_body));
  CHECK(got[0].message_id == "ord-42.production@caas.example");
  CHECK(got[0].content_type == "text/plain; charset=UTF-8");
  CHECK(got[0].raw.find("X-CaaS-Order: ORD-42\r\n") != std::string::npos);
  CHECK(got[0].raw.find("Content-Transfer-Encoding: quoted-printable\r\n") != std::string::npos);

  m.body_encoding = BodyEncoding::base64;
  m.message_id = "ord-42.production-b64@caas.example";
  REQUIRE(client.send(m, 5s).ok());
  REQUIRE(sink.wait_for_count(2, 5s));
  const auto both = sink.messages();
  REQUIRE(both.size() == 2);
  CHECK(both[1].body == crlf(m.text_body));
  CHECK(both[1].raw.find("Content-Transfer-Encoding: base64\r\n") != std::string::npos);
}

TEST_CASE("sink: 100 sends reuse one connection", "[sink]") {
  MailSink sink;
  SmtpClient client(options_for(sink));
  for (int i = 1; i <= 100; ++i) {
    auto r = client.send(mail("user" + std::to_string(i) + "@example.com", i), 5s);
    INFO(describe(r));
    REQUIRE(r.ok());
    CHECK(r->reused_connection == (i > 1));
  }
  CHECK(client.idle_connections() == 1);
  CHECK(client.connections_opened() == 1);
  REQUIRE(sink.wait_for_count(100, 10s));
  CHECK(eventually([&] { return sink.stats().messages == 100; }, 5s));
  CHECK(sink.stats().connections_total == 1);
  const auto got = sink.messages();
  REQUIRE(got.size() == 100);
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].message_id == "n-" + std::to_string(i + 1) + "@caas.example");
  }
}

TEST_CASE("sink: concurrent senders share a bounded pool", "[sink]") {
  MailSink sink;
  auto options = options_for(sink);
  options.max_idle_connections = 4;
  SmtpClient client(options);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!client.send(mail("u@example.com", t * 100 + i), 5s).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(client.connections_opened() <= 4);
  CHECK(client.idle_connections() == client.connections_opened());
  REQUIRE(sink.wait_for_count(100, 10s));
}

TEST_CASE("sink: a connection is replaced after max_messages_per_connection", "[sink]") {
  MailSink sink;
  auto options = options_for(sink);
  options.max_messages_per_connection = 10;
  SmtpClient client(options);
  for (int i = 0; i < 30; ++i) REQUIRE(client.send(mail("u@example.com", i), 5s).ok());
  CHECK(client.connections_opened() == 3);
  CHECK(client.idle_connections() == 0);                                      // the third one reached the limit too
  CHECK(eventually([&] { return sink.stats().connections_open == 0; }, 5s));  // closed with QUIT
  CHECK(sink.stats().connections_total == 3);
}

TEST_CASE("sink: 550 is permanent, 451 transient, and the connection survives both", "[sink]") {
  MailSink sink;
  SmtpClient client(options_for(sink));
  auto r = client.send(mail("reject-ana@example.com"), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::permanent_rejection);
  CHECK(r.error().stage == Stage::rcpt_to);
  CHECK(r.error().reply_code == 550);
  CHECK(r.error().reply_text == "5.1.1 mailbox unavailable");
  CHECK(is_permanent(r.error()));
  CHECK_FALSE(r.error().maybe_delivered);

  r = client.send(mail("tempfail-ana@example.com"), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::transient_rejection);
  CHECK(r.error().stage == Stage::rcpt_to);
  CHECK(r.error().reply_code == 451);
  CHECK_FALSE(is_permanent(r.error()));

  r = client.send(mail("bodyreject-ana@example.com"), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::permanent_rejection);
  CHECK(r.error().stage == Stage::body);
  CHECK(r.error().reply_code == 554);
  CHECK_FALSE(r.error().maybe_delivered);  // the server said no

  auto ok = client.send(mail("ana@example.com"), 5s);
  INFO(describe(ok));
  REQUIRE(ok.ok());
  CHECK(ok->reused_connection);
  CHECK(client.connections_opened() == 1);
  REQUIRE(sink.wait_for_count(1, 5s));
  CHECK(sink.messages().at(0).to == "ana@example.com");
  CHECK(eventually([&] { return sink.stats().rejected == 2 && sink.stats().tempfailed == 1; }, 5s));
}

TEST_CASE("sink: a stalled RCPT times out within the deadline", "[sink]") {
  MailSink sink;
  SmtpClient client(options_for(sink));
  REQUIRE(client.send(mail("warmup@example.com"), 5s).ok());
  const auto t0 = Clock::now();
  auto r = client.send(mail("stall-ana@example.com"), 500ms);
  const auto took = Clock::now() - t0;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::timeout);
  CHECK(r.error().stage == Stage::rcpt_to);
  CHECK_FALSE(r.error().maybe_delivered);
  CHECK_FALSE(is_permanent(r.error()));
  CHECK(took >= 450ms);
  CHECK(took < 1500ms);
  CHECK(client.idle_connections() == 0);  // a timed-out session is never reused
  // The next send opens a fresh connection.
  auto ok = client.send(mail("ana@example.com"), 5s);
  REQUIRE(ok.ok());
  CHECK_FALSE(ok->reused_connection);
  CHECK(client.connections_opened() == 2);
}

TEST_CASE("sink: with every session busy a send waits, bounded by its deadline", "[sink]") {
  MailSink sink;
  auto options = options_for(sink);
  options.max_connections = 1;
  SmtpClient client(options);
  std::promise<SendResult> stalled;
  client.async_send(
      mail("stall-ana@example.com"), [&](SendResult r) { stalled.set_value(std::move(r)); }, 1500ms);
  REQUIRE(eventually([&] { return sink.stats().stalled == 1; }, 5s));  // the only session is stuck at RCPT
  const auto t0 = Clock::now();
  auto r = client.send(mail("ana@example.com"), 300ms);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::timeout);
  CHECK(r.error().stage == Stage::connect);
  CHECK(r.error().message.find("free connection") != std::string::npos);
  CHECK(Clock::now() - t0 < 2s);
  CHECK(client.connections_opened() == 1);
  // A waiting send gets a session as soon as the stalled one gives it up
  // (it waits at most connect_timeout, 2 s here).
  std::promise<SendResult> waiting;
  client.async_send(
      mail("ana@example.com"), [&](SendResult res) { waiting.set_value(std::move(res)); }, 10s);
  auto first = stalled.get_future().get();
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().kind == SendErrc::timeout);
  auto second = waiting.get_future().get();
  INFO(describe(second));
  CHECK(second.ok());
  CHECK(client.connections_opened() == 2);  // the timed-out session was replaced
}

TEST_CASE("sink: no reply after the body is a timeout with outcome unknown", "[sink]") {
  MailSink sink;
  SmtpClient client(options_for(sink));
  auto r = client.send(mail("bodystall-ana@example.com"), 700ms);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::timeout);
  CHECK(r.error().stage == Stage::body);
  CHECK(r.error().maybe_delivered);
  CHECK_FALSE(is_permanent(r.error()));
  REQUIRE(sink.wait_for_count(1, 5s));  // indeed, the sink has it

  r = client.send(mail("drop-ana@example.com"), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::connection_closed);
  CHECK(r.error().stage == Stage::body);
  CHECK(r.error().maybe_delivered);
  REQUIRE(sink.wait_for_count(2, 5s));
}

TEST_CASE("sink: killed between sends, then restarted", "[sink]") {
  MailSink sink;
  SmtpClient client(options_for(sink));
  REQUIRE(client.send(mail("ana@example.com", 1), 5s).ok());
  CHECK(client.idle_connections() == 1);

  sink.kill();
  const auto t0 = Clock::now();
  auto down = client.send(mail("ana@example.com", 2), 5s);
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().kind == SendErrc::connect_failed);  // the dead pooled session was not used
  CHECK(down.error().stage == Stage::connect);
  CHECK_FALSE(is_permanent(down.error()));
  CHECK(Clock::now() - t0 < 1s);

  sink.restart();  // same port, same directory
  auto up = client.send(mail("ana@example.com", 3), 5s);
  INFO(describe(up));
  REQUIRE(up.ok());
  CHECK_FALSE(up->reused_connection);
  CHECK(client.connections_opened() == 2);
  REQUIRE(sink.wait_for_count(2, 5s));
  const auto got = sink.messages();
  CHECK(got.back().message_id == "n-3@caas.example");
  CHECK(got.back().seq == 2);  // numbering continues after the restart

  // Killed while a session sits in the pool, restarted before the next send:
  // the stale session is discarded and the send succeeds on a fresh one.
  sink.restart();
  auto again = client.send(mail("ana@example.com", 4), 5s);
  INFO(describe(again));
  REQUIRE(again.ok());
  CHECK(client.connections_opened() == 3);
}

TEST_CASE("sink: SIGTERM stops the sink cleanly, even with a stalled session", "[sink]") {
  MailSink sink;
  SmtpClient client(options_for(sink));
  std::promise<SendResult> stalled;
  client.async_send(
      mail("stall-ana@example.com"), [&](SendResult r) { stalled.set_value(std::move(r)); }, 10s);
  REQUIRE(eventually([&] { return sink.stats().stalled == 1; }, 5s));
  CHECK(sink.stop() == std::optional<int>(0));
  auto r = stalled.get_future().get();  // the sink closed the session
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::connection_closed);
  CHECK(r.error().stage == Stage::rcpt_to);
}

TEST_CASE("sink: idle connections are closed with QUIT after max_idle_time", "[sink]") {
  MailSink sink;
  auto options = options_for(sink);
  options.max_idle_time = 200ms;
  SmtpClient client(options);
  REQUIRE(client.send(mail("ana@example.com"), 5s).ok());
  CHECK(eventually([&] { return client.idle_connections() == 0; }, 3s));
  CHECK(eventually([&] { return sink.stats().connections_open == 0; }, 3s));
}

TEST_CASE("sink: async sends share max_connections sessions, invalid messages are refused", "[sink]") {
  MailSink sink;
  auto options = options_for(sink);
  options.max_connections = 4;  // 50 sends at once: the others wait for a session
  SmtpClient client(options);
  constexpr int kCount = 50;
  std::vector<std::promise<SendResult>> promises(kCount);
  for (int i = 0; i < kCount; ++i) {
    client.async_send(
        mail("ana@example.com", i), [&promises, i](SendResult r) { promises[i].set_value(std::move(r)); }, 5s);
  }
  for (auto& p : promises) CHECK(p.get_future().get().ok());
  CHECK(client.connections_opened() == 4);
  CHECK(client.idle_connections() == 4);
  REQUIRE(sink.wait_for_count(kCount, 10s));

  auto bad = mail("ana@example.com");
  bad.subject = "hi\r\nBcc: victim@example.com";
  auto r = client.send(bad, 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == SendErrc::invalid_message);
  CHECK(r.error().stage == Stage::prepare);
  CHECK(is_permanent(r.error()));
  std::promise<SendResult> p;
  client.async_send(bad, [&p](SendResult res) { p.set_value(std::move(res)); });
  CHECK(p.get_future().get().error().kind == SendErrc::invalid_message);
  CHECK(sink.count() == static_cast<std::size_t>(kCount));
}

TEST_CASE("sink: throughput with 4 sending threads", "[sink][throughput]") {
  // CAAS_SMTP_THROUGHPUT_MESSAGES=10000 for the full measurement.
  std::size_t total = 2000;
  if (const char* env = std::getenv("CAAS_SMTP_THROUGHPUT_MESSAGES")) total = std::strtoul(env, nullptr, 10);
  MailSink sink;
  auto options = options_for(sink);
  options.max_idle_connections = 4;
  SmtpClient client(options);
  constexpr int kThreads = 4;
  std::atomic<std::size_t> next{0}, failures{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (auto i = next++; i < total; i = next++) {
        auto m = mail("user" + std::to_string(i % 97) + "@example.com", static_cast<int>(i));
        m.subject = "Tu vehículo está en producción (" + std::to_string(i) + ")";
        if (!client.send(m, 10s).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const double rate = static_cast<double>(total) / seconds;
  WARN("sent " << total << " messages with " << kThreads << " threads in " << seconds << " s: " << rate
               << " messages/s over " << client.connections_opened() << " connections");
  CHECK(failures == 0);
  // At most kThreads sessions at a time, each rotated after 1000 messages.
  CHECK(client.connections_opened() <= total / options.max_messages_per_connection + kThreads);
  REQUIRE(sink.wait_for_count(total, 30s));
}
