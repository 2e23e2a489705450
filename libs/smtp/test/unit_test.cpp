// Pure functions of caas::smtp: message building, encodings, dot stuffing,
// address validation, reply parsing, the error vocabulary.
#include <random>

#include <catch2/catch.hpp>

#include "caas/smtp/client.hpp"
#include "caas/smtp/encoding.hpp"
#include "caas/smtp/message.hpp"
#include "caas/smtp/reply.hpp"

using namespace caas::smtp;

namespace {

Mail sample_mail() {
  Mail m;
  m.from = "notifications@caas.example";
  m.from_name = "CaaS";
  m.to = "ana@example.com";
  m.subject = "Your order";
  m.text_body = "Hello Ana,\nyour car is on its way.\n";
  m.message_id = "n-1@caas.example";
  m.date = "Tue, 01 Jul 2025 10:00:00 +0000";
  return m;
}

struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded values
  std::string body;                                          // still transfer-encoded
};

// Splits a built message into unfolded headers and the body.
Parsed split(const std::string& message) {
  Parsed out;
  const auto end = message.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  std::string head = message.substr(0, end + 2);
  out.body = message.substr(end + 4);
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (line[0] == ' ' || line[0] == '\t') {
      REQUIRE(!out.headers.empty());
      out.headers.back().second += "\r\n" + line;
      continue;
    }
    auto colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    out.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return out;
}

std::string header(const Parsed& p, std::string_view name) {
  for (const auto& [n, v] : p.headers) {
    if (n == name) return v;
  }
  FAIL("no header " << name);
  return {};
}

std::string decoded(const std::string& value) {
  auto d = decode_header_words(value);
  REQUIRE(d.ok());
  return d.value();
}

void check_wire_format(const std::string& message) {
  REQUIRE(message.size() >= 2);
  CHECK(message.substr(message.size() - 2) == "\r\n");
  std::size_t pos = 0;
  while (pos < message.size()) {
    const auto eol = message.find("\r\n", pos);
    REQUIRE(eol != std::string::npos);
    const auto line = message.substr(pos, eol - pos);
    CHECK(line.size() <= 998);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    pos = eol + 2;
  }
  for (const char c : message) CHECK(static_cast<unsigned char>(c) < 128);  // 7-bit: no 8BITMIME needed
}

std::string with_crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("build_message: headers, MIME and CRLF line endings", "[message]") {
  auto r = build_message(sample_mail());
  REQUIRE(r.ok());
  check_wire_format(*r);
  const auto p = split(*r);
  CHECK(header(p, "From") == "\"CaaS\" <notifications@caas.example>");
  CHECK(header(p, "To") == "ana@example.com");
  CHECK(header(p, "Subject") == "Your order");
  CHECK(header(p, "Date") == "Tue, 01 Jul 2025 10:00:00 +0000");
  CHECK(header(p, "Message-ID") == "<n-1@caas.example>");
  CHECK(header(p, "MIME-Version") == "1.0");
  CHECK(header(p, "Content-Type") == "text/plain; charset=UTF-8");
  CHECK(header(p, "Content-Transfer-Encoding") == "quoted-printable");
  auto body = decode_quoted_printable(p.body);
  REQUIRE(body.ok());
  CHECK(*body == "Hello Ana,\r\nyour car is on its way.\r\n");
}

TEST_CASE("build_message: Spanish subject and name are RFC 2047 encoded", "[message]") {
  auto m = sample_mail();
  m.subject = "Tu vehículo está en producción";
  m.from_name = "Fábrica CaaS";
  auto r = build_message(m);
  REQUIRE(r.ok());
  check_wire_format(*r);
  const auto p = split(*r);
  const auto subject = header(p, "Subject");
  CHECK(subject.rfind("=?UTF-8?B?", 0) == 0);
  CHECK(decoded(subject) == "Tu vehículo está en producción");
  const auto from = header(p, "From");
  CHECK(from.find("=?UTF-8?B?") == 0);
  CHECK(from.substr(from.size() - 28) == "<notifications@caas.example>");
  CHECK(decoded(from) == "Fábrica CaaS <notifications@caas.example>");
}

TEST_CASE("build_message: long subjects are folded, never split inside a character", "[message]") {
  auto m = sample_mail();
  std::string spanish;
  for (int i = 0; i < 12; ++i) spanish += "Tu vehículo está en producción en la línea ñ. ";
  m.subject = spanish;
  auto r = build_message(m);
  REQUIRE(r.ok());
  check_wire_format(*r);
  const auto p = split(*r);
  const auto subject = header(p, "Subject");
  CHECK(subject.find("\r\n ") != std::string::npos);  // folded
  // Every physical header line stays within the recommended 78 characters.
  std::size_t pos = 0;
  const auto head = r->substr(0, r->find("\r\n\r\n"));
  while (pos < head.size()) {
    auto eol = head.find("\r\n", pos);
    if (eol == std::string::npos) eol = head.size();
    CHECK(eol - pos <= 78);
    pos = eol + 2;
  }
  CHECK(decoded(subject) == spanish);

  // Long ASCII subjects are folded at spaces, not encoded.
  m.subject = std::string(30, 'a') + " " + std::string(30, 'b') + " " + std::string(30, 'c');
  auto ascii = build_message(m);
  REQUIRE(ascii.ok());
  const auto ps = split(*ascii);
  CHECK(header(ps, "Subject") == std::string(30, 'a') + " " + std::string(30, 'b') + "\r\n " + std::string(30, 'c'));
  CHECK(decoded(header(ps, "Subject")) == m.subject);
}

TEST_CASE("build_message: quoted-printable body with accents, long lines, trailing spaces", "[message]") {
  auto m = sample_mail();
  m.text_body = "Hola Ana,\n\nTu vehículo está en producción.   \n" + std::string(200, 'x') +
                "\n.una línea con punto\r\nfin = 100%";
  auto r = build_message(m);
  REQUIRE(r.ok());
  check_wire_format(*r);
  const auto p = split(*r);
  std::size_t pos = 0;
  while (pos < p.body.size()) {
    auto eol = p.body.find("\r\n", pos);
    CHECK(eol - pos <= 76);
    pos = eol + 2;
  }
  CHECK(p.body.find("veh=C3=ADculo") != std::string::npos);
  CHECK(p.body.find("fin =3D 100%") != std::string::npos);
  CHECK(p.body.find("producci=C3=B3n.  =20\r\n") != std::string::npos);  // trailing space protected
  auto body = decode_quoted_printable(p.body);
  REQUIRE(body.ok());
  CHECK(*body == with_crlf("Hola Ana,\n\nTu vehículo está en producción.   \n" + std::string(200, 'x') +
                           "\n.una línea con punto\nfin = 100%\n"));
}

TEST_CASE("build_message: base64 body round trip", "[message]") {
  auto m = sample_mail();
  m.body_encoding = BodyEncoding::base64;
  m.text_body = "Tu vehículo está en producción.\n¡Gracias!\n" + std::string(300, 'z');
  auto r = build_message(m);
  REQUIRE(r.ok());
  check_wire_format(*r);
  const auto p = split(*r);
  CHECK(header(p, "Content-Transfer-Encoding") == "base64");
  auto body = decode_base64(p.body);
  REQUIRE(body.ok());
  CHECK(*body == with_crlf(m.text_body + "\n"));
}

TEST_CASE("build_message: generated Date and Message-ID, extra headers last", "[message]") {
  auto m = sample_mail();
  m.date.clear();
  m.message_id.clear();
  m.extra_headers = {{"X-Order-Id", "ord-42"}, {"List-Unsubscribe", "<mailto:unsubscribe@caas.example>"}};
  auto r = build_message(m);
  REQUIRE(r.ok());
  const auto p = split(*r);
  const auto date = header(p, "Date");
  CHECK(date.size() == 31);  // "Tue, 01 Jul 2025 10:00:00 +0000"
  CHECK(date.substr(date.size() - 6) == " +0000");
  const auto id = header(p, "Message-ID");
  CHECK(id.front() == '<');
  CHECK(id.substr(id.size() - 14) == "@caas.example>");
  CHECK(p.headers[p.headers.size() - 2].first == "X-Order-Id");
  CHECK(p.headers.back().first == "List-Unsubscribe");
  // Two generated ids differ.
  auto again = build_message(m);
  REQUIRE(again.ok());
  CHECK(header(split(*again), "Message-ID") != id);
}

TEST_CASE("build_message: header injection and invalid input are refused", "[message]") {
  auto refused = [](const Mail& m, std::string_view expect) {
    auto r = build_message(m);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == SendErrc::invalid_message);
    INFO(r.error().message);
    CHECK(r.error().message.find(expect) != std::string::npos);
  };
  auto m = sample_mail();
  m.subject = "Hello\r\nBcc: victim@example.com";
  refused(m, "CR/LF");
  m = sample_mail();
  m.subject = "Hello\nBcc: victim@example.com";
  refused(m, "header injection");
  m = sample_mail();
  m.from_name = "Eve\r\nX-Spam: yes";
  refused(m, "CR/LF");
  m = sample_mail();
  m.to = "ana@example.com\r\nRCPT TO:<victim@example.com>";
  refused(m, "To: invalid address");
  m = sample_mail();
  m.from = "Eve <eve@example.com>";
  refused(m, "From: invalid address");
  m = sample_mail();
  m.date = "today\r\nBcc: x@y.z";
  refused(m, "CR/LF");
  m = sample_mail();
  m.message_id = "<n-1@caas.example>";
  refused(m, "Message-ID");
  m = sample_mail();
  m.message_id = "no-at-sign";
  refused(m, "Message-ID");
  m = sample_mail();
  m.extra_headers = {{"X-Tag", "a\r\nBcc: victim@example.com"}};
  refused(m, "CR/LF");
  m = sample_mail();
  m.extra_headers = {{"Bad Name", "x"}};
  refused(m, "invalid field name");
  m = sample_mail();
  m.extra_headers = {{"X-Tag:", "x"}};
  refused(m, "invalid field name");
  m = sample_mail();
  m.extra_headers = {{"subject", "second subject"}};
  refused(m, "standard header");
  m = sample_mail();
  m.extra_headers = {{"X-Name", "José"}};
  refused(m, "ASCII");
  m = sample_mail();
  m.subject = "bad \xC3(";
  refused(m, "UTF-8");
  m = sample_mail();
  m.text_body = "bad \xFF body";
  refused(m, "UTF-8");
  m = sample_mail();
  m.subject = std::string("nul\0byte", 8);
  refused(m, "control character");
}

TEST_CASE("dot_stuff doubles dots at line starts only", "[message]") {
  CHECK(dot_stuff("") == "");
  CHECK(dot_stuff(".") == "..");
  CHECK(dot_stuff(".\r\n") == "..\r\n");
  CHECK(dot_stuff("a.b\r\n.c\r\n..d\r\n") == "a.b\r\n..c\r\n...d\r\n");
  CHECK(dot_stuff("x\r\n.\r\ny\r\n") == "x\r\n..\r\ny\r\n");
  // A body line that is a lone dot cannot end the message early.
  auto m = sample_mail();
  m.text_body = "before\n.\nafter\n";
  auto r = build_message(m);
  REQUIRE(r.ok());
  const auto stuffed = dot_stuff(*r);
  CHECK(stuffed.find("\r\n.\r\n") == std::string::npos);
  CHECK(stuffed.find("\r\n..\r\n") != std::string::npos);
}

TEST_CASE("is_valid_address: pragmatic RFC 5321 mailbox check", "[address]") {
  for (const std::string ok : {"a@b.co", "first.last+tag@sub.example.com", "x_y-z@example-domain.org", "x@[127.0.0.1]",
                               "o'neil@example.ie", "reject-1@sink.test"}) {
    INFO(ok);
    CHECK(is_valid_address(ok));
  }
  const std::string local64(64, 'l');
  CHECK(is_valid_address(local64 + "@example.com"));
  CHECK_FALSE(is_valid_address(local64 + "l@example.com"));
  const std::string label63(63, 'd');
  CHECK(is_valid_address("a@" + label63 + ".com"));
  CHECK_FALSE(is_valid_address("a@" + label63 + "d.com"));
  // 254 octets in all at most.
  std::string domain = label63 + "." + label63 + "." + label63 + "." + std::string(57, 'e');  // 249
  CHECK(is_valid_address("abc@" + domain));                                                   // 253
  CHECK(is_valid_address("abcd@" + domain));                                                  // 254
  CHECK_FALSE(is_valid_address("abcde@" + domain));                                           // 255
  for (const std::string bad : {"",
                                "a",
                                "@b.com",
                                "a@",
                                "a b@c.com",
                                "<a@b.com>",
                                "a@b.com>",
                                "a..b@c.com",
                                ".a@b.com",
                                "a.@b.com",
                                "a@-b.com",
                                "a@b-.com",
                                "a@b..com",
                                "a@b.com.",
                                "a\t@b.com",
                                "a@b.com\r\n",
                                "jos\xC3\xA9@example.com",
                                "a,b@c.com",
                                "a@b_c.com",
                                "a@[1.2.3.4"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_address(bad));
  }
}

TEST_CASE("quoted-printable and base64 round trip arbitrary bytes", "[encoding]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 300; ++round) {
    std::string data(static_cast<std::size_t>(rng() % 400), '\0');
    for (auto& c : data) {
      const auto pick = rng() % 10;
      c = pick < 6 ? static_cast<char>('a' + rng() % 26) : pick < 8 ? ' ' : static_cast<char>(rng() % 256);
    }
    if (round % 3 == 0) data += "\r\n";
    const auto qp = encode_quoted_printable(data);
    for (const char c : qp) REQUIRE(static_cast<unsigned char>(c) < 128);
    auto back = decode_quoted_printable(qp);
    REQUIRE(back.ok());
    REQUIRE(*back == data);
    auto b64 = decode_base64(encode_base64(data));
    REQUIRE(b64.ok());
    REQUIRE(*b64 == data);
  }
  CHECK(encode_base64("", 76) == "");
  CHECK(encode_base64("f", 0) == "Zg==");
  CHECK(encode_base64("fo", 0) == "Zm8=");
  CHECK(encode_base64("foo", 0) == "Zm9v");
  CHECK_FALSE(decode_base64("Zm9").ok());
  CHECK_FALSE(decode_base64("Zm=v").ok());
  CHECK_FALSE(decode_base64("Z!9v").ok());
  CHECK_FALSE(decode_quoted_printable("=ZZ").ok());
  CHECK_FALSE(decode_quoted_printable("abc=4").ok());
  CHECK(*decode_quoted_printable("soft=\r\nbreak") == "softbreak");
}

TEST_CASE("RFC 2047 words: encode and decode", "[encoding]") {
  const std::string text = "Tu vehículo está en producción";
  const auto words = encode_header_words(text);
  CHECK(words.find("=?UTF-8?B?") == 0);
  CHECK(decoded(words) == text);
  // Q encoding, several words, adjacent-word whitespace dropped, plain text kept.
  CHECK(decoded("=?utf-8?q?Tu_veh=C3=ADculo?= =?UTF-8?Q?_est=C3=A1?= listo") == "Tu vehículo está listo");
  CHECK(decoded("plain text") == "plain text");
  CHECK(decoded("=?UTF-8?B?w7E=?=\r\n =?UTF-8?B?w7E=?=") == "ññ");
  CHECK_FALSE(decode_header_words("=?ISO-2022-JP?B?GyRC?=").ok());
  CHECK(is_valid_utf8(text));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));      // truncated
}

TEST_CASE("parse_reply: single, multi-line, incomplete and malformed replies", "[reply]") {
  auto r = parse_reply("250 OK\r\n");
  REQUIRE(r.status == ReplyStatus::complete);
  CHECK(r.reply.code == 250);
  CHECK(r.reply.text == "OK");
  CHECK(r.consumed == 8);

  r = parse_reply("250-caas.example\r\n250-SIZE 1000\r\n250 8BITMIME\r\n354 next");
  REQUIRE(r.status == ReplyStatus::complete);
  CHECK(r.reply.code == 250);
  CHECK(r.reply.text == "caas.example\nSIZE 1000\n8BITMIME");
  CHECK(r.consumed == 47);

  CHECK(parse_reply("").status == ReplyStatus::incomplete);
  CHECK(parse_reply("250 OK").status == ReplyStatus::incomplete);
  CHECK(parse_reply("250-first\r\n250-second\r\n").status == ReplyStatus::incomplete);

  r = parse_reply("220\r\n");  // code only
  REQUIRE(r.status == ReplyStatus::complete);
  CHECK(r.reply.code == 220);
  CHECK(r.reply.text.empty());

  r = parse_reply("451 4.3.0 try again\n");  // bare LF tolerated
  REQUIRE(r.status == ReplyStatus::complete);
  CHECK(r.reply.klass() == 4);
  CHECK(r.reply.text == "4.3.0 try again");

  CHECK(parse_reply("250-a\r\n251 b\r\n").status == ReplyStatus::malformed);
  CHECK(parse_reply("hello there\r\n").status == ReplyStatus::malformed);
  CHECK(parse_reply("HTTP/1.1 400 Bad Request\r\n").status == ReplyStatus::malformed);
  CHECK(parse_reply("199 too low\r\n").status == ReplyStatus::malformed);
  CHECK(parse_reply("600 too high\r\n").status == ReplyStatus::malformed);
  CHECK(parse_reply("250_OK\r\n").status == ReplyStatus::malformed);
  CHECK(parse_reply(std::string(5000, '2')).status == ReplyStatus::malformed);
  CHECK(parse_reply("250 " + std::string(5000, 'x') + "\r\n").status == ReplyStatus::malformed);
}

TEST_CASE("parse_ehlo: the extensions the client uses", "[reply]") {
  auto r =
      parse_reply("250-mx.example greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8bitmime\r\n250 HELP\r\n");
  REQUIRE(r.status == ReplyStatus::complete);
  auto caps = parse_ehlo(r.reply);
  CHECK(caps.esmtp);
  CHECK(caps.pipelining);
  CHECK(caps.eight_bit_mime);
  REQUIRE(caps.size_limit);
  CHECK(*caps.size_limit == 10240000);
  auto bare = parse_ehlo(Reply{250, "only.the.name"});
  CHECK_FALSE(bare.eight_bit_mime);
  CHECK_FALSE(bare.size_limit);
  CHECK_FALSE(parse_ehlo(Reply{250, "x\nSIZE"}).size_limit);  // SIZE without a number: no limit
}

TEST_CASE("errors: category, permanence, stage names, to_error", "[errors]") {
  CHECK(std::string(smtp_category().name()) == "caas.smtp");
  CHECK(make_error_code(SendErrc::timeout).message() == "timeout");
  std::error_code ec = SendErrc::permanent_rejection;
  CHECK(ec.category() == smtp_category());
  for (auto kind : {SendErrc::permanent_rejection, SendErrc::invalid_message}) CHECK(is_permanent(kind));
  for (auto kind : {SendErrc::timeout, SendErrc::connect_failed, SendErrc::connection_closed, SendErrc::protocol_error,
                    SendErrc::transient_rejection, SendErrc::shutting_down}) {
    CHECK_FALSE(is_permanent(kind));
  }
  SendError e{SendErrc::permanent_rejection, Stage::rcpt_to,    550,
              "5.1.1 mailbox unavailable",   "RCPT TO refused", false};
  CHECK(is_permanent(e));
  CHECK(to_string(e.stage) == "rcpt_to");
  auto err = e.to_error();
  CHECK(err.code == SendErrc::permanent_rejection);
  CHECK(err.message.find("stage rcpt_to") != std::string::npos);
  CHECK(err.message.find("550 5.1.1 mailbox unavailable") != std::string::npos);
  SendError unknown{SendErrc::timeout, Stage::body, 0, {}, "no reply", true};
  CHECK_FALSE(is_permanent(unknown));
  CHECK(unknown.to_error().message.find("outcome unknown") != std::string::npos);
}
