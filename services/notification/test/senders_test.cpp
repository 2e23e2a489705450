// The HTTP channel clients against a loopback server: what they send, and how
// each answer counts. (E-mail is tested against the real SMTP server in the
// component test.)
#include "channels/email_sender.hpp"
#include "channels/http_senders.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/http/server.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using namespace caas;
using namespace caas::notification;
using namespace std::chrono_literals;
namespace json = caas::events::json;

namespace {

/// A partner that answers with `status` and records the last request.
struct FakePartner {
  explicit FakePartner(std::string path_pattern) {
    http::Router router;
    router.add_sync("POST", std::move(path_pattern), [this](const http::Request& req) {
      std::lock_guard lock(mutex);
      last = req;
      if (hold.load()) {
        // Slower than the client's timeout.
        std::this_thread::sleep_for(300ms);  // a slow partner, not synchronisation
      }
      http::Response r = http::Response::json(status.load(), body);
      if (!retry_after.empty()) r.headers.set("Retry-After", retry_after);
      return r;
    });
    http::ServerOptions o;
    o.address = "127.0.0.1";
    o.threads = 2;
    server = std::make_unique<http::Server>(o, std::move(router));
    server->start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  std::mutex mutex;
  http::Request last;
  std::atomic<int> status{202};
  std::atomic<bool> hold{false};
  std::string body = R"({"message_id":"psh-0123456789abcdef","status":"accepted","duplicate":false})";
  std::string retry_after;
  std::unique_ptr<http::Server> server;
};

OutgoingMessage message(std::string recipient) {
  OutgoingMessage m;
  m.notification_id = "4f7c1f6e-0000-5000-8000-000000000001";
  m.customer_id = "CUST-1";
  m.recipient = std::move(recipient);
  m.language = Language::es;
  m.type = "vehicle_shipped";
  m.order_id = "ord-1";
  m.correlation_id = "req-1";
  m.content = {"Vehículo enviado", "Tu vehículo va camino del concesionario."};
  return m;
}

HttpSenderSettings settings_for(const FakePartner& p) {
  HttpSenderSettings s;
  s.base_url = p.url() + "/";
  s.token = "push-token";
  s.timeout = 150ms;
  return s;
}

}  // namespace

TEST_CASE("push: the request the gateway gets", "[push]") {
  FakePartner gateway("/v1/messages");
  PushSender sender(settings_for(gateway));
  auto r = sender.send(message("CUST-1"));
  REQUIRE(r.kind == SendResult::Kind::accepted);
  CHECK(r.provider_reference == "psh-0123456789abcdef");
  std::lock_guard lock(gateway.mutex);
  CHECK(gateway.last.header("Authorization") == std::optional<std::string_view>("Bearer push-token"));
  CHECK(gateway.last.header("Idempotency-Key") == std::optional<std::string_view>(message("").notification_id));
  CHECK(gateway.last.header("X-Request-Id") == std::optional<std::string_view>("req-1"));
  auto doc = events::parse_strict_json(gateway.last.body);
  REQUIRE(doc);
  CHECK(json::str(*json::member(*doc, "recipient"), "customer_id") == "CUST-1");
  CHECK(json::str(*json::member(*doc, "notification"), "title") == "Vehículo enviado");
  CHECK(json::str(*doc, "language") == "es");
  CHECK(json::str(*json::member(*doc, "data"), "type") == "vehicle_shipped");
}

TEST_CASE("push: every answer is classified", "[push]") {
  FakePartner gateway("/v1/messages");
  PushSender sender(settings_for(gateway));
  using K = SendResult::Kind;
  const std::vector<std::pair<int, K>> cases{{200, K::accepted},  {202, K::accepted},  {400, K::permanent},
                                             {404, K::permanent}, {409, K::permanent}, {413, K::permanent},
                                             {401, K::transient}, {403, K::transient}, {429, K::transient},
                                             {500, K::transient}, {503, K::transient}};
  for (auto [status, kind] : cases) {
    gateway.status = status;
    auto r = sender.send(message("CUST-1"));
    INFO(status);
    CHECK(r.kind == kind);
    if (kind != K::accepted) CHECK(r.code == "http_" + std::to_string(status));
  }
  gateway.status = 429;
  gateway.retry_after = "7";
  auto limited = sender.send(message("CUST-1"));
  REQUIRE(limited.retry_after);
  CHECK(*limited.retry_after == 7s);
}

TEST_CASE("push: a gateway slower than the timeout or absent is a transient failure", "[push]") {
  FakePartner gateway("/v1/messages");
  gateway.hold = true;
  PushSender sender(settings_for(gateway));
  const auto started = std::chrono::steady_clock::now();
  auto slow = sender.send(message("CUST-1"));
  CHECK(slow.kind == SendResult::Kind::transient);
  CHECK(slow.code == "timeout");
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  HttpSenderSettings nowhere;
  nowhere.base_url = "http://127.0.0.1:1";
  nowhere.timeout = 500ms;
  auto absent = PushSender(nowhere).send(message("CUST-1"));
  CHECK(absent.kind == SendResult::Kind::transient);
}

TEST_CASE("vehicle display: API IoT request and a malformed VIN never sent", "[vehicle_display]") {
  FakePartner iot("/api/v1/vehicles/{vin}/display-messages");
  iot.body = R"({"message_id":"4f7c1f6e-0000-5000-8000-000000000001","status":"queued"})";
  VehicleDisplaySender sender(settings_for(iot));
  auto r = sender.send(message("VSSZZZ5FZNR000001"));
  REQUIRE(r.kind == SendResult::Kind::accepted);
  {
    std::lock_guard lock(iot.mutex);
    CHECK(iot.last.path == "/api/v1/vehicles/VSSZZZ5FZNR000001/display-messages");
    auto doc = events::parse_strict_json(iot.last.body);
    REQUIRE(doc);
    CHECK(json::str(*doc, "text") == "Tu vehículo va camino del concesionario.");
    CHECK(json::str(*doc, "message_id") == message("").notification_id);
  }
  auto bad = sender.send(message("../../admin"));
  CHECK(bad.kind == SendResult::Kind::permanent);
  CHECK(bad.code == "invalid_vin");
}

TEST_CASE("e-mail: the SMTP URL and the mail built for a notification", "[email]") {
  auto ok = parse_smtp_url("smtp://127.0.0.1:2525");
  REQUIRE(ok);
  CHECK(ok->first == "127.0.0.1");
  CHECK(ok->second == 2525);
  CHECK(parse_smtp_url("smtp://mail.internal")->second == 25);
  CHECK_FALSE(parse_smtp_url("http://x"));
  CHECK_FALSE(parse_smtp_url("smtp://x:0"));
  CHECK_FALSE(parse_smtp_url("smtp://x:99999"));
  CHECK_FALSE(parse_smtp_url("smtp://"));

  EmailSettings s;
  s.from_address = "avisos@caas.example";
  EmailSender sender(s);
  auto mail = sender.mail_of(message("lucia@example.com"));
  CHECK(mail.to == "lucia@example.com");
  CHECK(mail.from == "avisos@caas.example");
  CHECK(mail.subject == "Vehículo enviado");
  CHECK(mail.message_id == message("").notification_id + "@notification.caas.example");
}
