// The notification service's real wiring in process (ServiceRuntime +
// NotificationService) against an in-process MockCluster, the real SMTP
// server (caas-mail-sink, aiosmtpd) and the push gateway simulator, fed with
// order events on caas.order.events.v1.
#include "app/notification_service.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/http/client.hpp>
#include <caas/security/identity.hpp>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "eventually.hpp"
#include "local_resources.hpp"
#include "mail_sink.hpp"
#include "push_gateway.hpp"
#include "service_harness.hpp"

#include <fstream>
#include <map>
#include <tuple>

using namespace caas;
using namespace caas::notification;
using namespace std::chrono_literals;
namespace json = caas::events::json;

namespace {

constexpr const char* kOperatorKey = "operator-key-0123456789abc";
constexpr const char* kDealerKey = "dealer1-key-0123456789abcd";
constexpr const char* kTokenSecret = "token-secret-for-tests-0123456789";
constexpr const char* kPushToken = "push-token-0123456789";
constexpr const char* kIotToken = "iot-token-0123456789";

std::string customer_token(const std::string& customer) {
  const auto now = std::chrono::system_clock::now();
  return "Bearer " + security::issue_token({customer, security::Role::customer, now + 1h, now}, kTokenSecret);
}

struct Reply {
  int status = 0;
  std::string body;
  rapidjson::Document json() const {
    auto d = events::parse_strict_json(body);
    if (!d) throw std::runtime_error("not JSON: " + body);
    return std::move(d.value());
  }
};

Reply call(std::uint16_t port, const std::string& method, const std::string& path, const std::string& credential,
           const std::string& body = "") {
  thread_local http::HttpClient client;
  http::ClientRequest req{method, "http://127.0.0.1:" + std::to_string(port) + path, {}, body};
  if (credential.rfind("Bearer ", 0) == 0) {
    req.headers.set("Authorization", credential);
  } else if (!credential.empty()) {
    req.headers.set("X-API-Key", credential);
  }
  if (!body.empty()) req.headers.set("Content-Type", "application/json");
  auto r = client.request(req, 10s);
  if (!r) return {0, r.error().message};
  return {r->status, r->body};
}

/// Broker, SMTP server, push gateway and one notification service.
struct Rig {
  explicit Rig(const std::string& tag, testing::EnvMap overrides = {})
      : dir(testing::fresh_dir("notification-" + tag)), push(CAAS_PUSH_SIM_BINARY, kPushToken, dir.string()) {
    std::ofstream(dir / "api-keys") << kOperatorKey << " operator ops\n" << kDealerKey << " dealer D1\n";
    std::ofstream(dir / "token-secret") << kTokenSecret << "\n";
    std::ofstream(dir / "push-token") << kPushToken << "\n";
    env = {{"CAAS_KAFKA_BOOTSTRAP", cluster.bootstrap()},
           {"CAAS_DATA_DIR", (dir / "data").string()},
           {"CAAS_HTTP_PORT", "0"},
           {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
           {"CAAS_LOG_LEVEL", "error"},
           {"CAAS_SHUTDOWN_GRACE", "5s"},
           {"CAAS_KAFKA_FETCH_WAIT_MAX", "10ms"},
           {"CAAS_API_KEYS_FILE", (dir / "api-keys").string()},
           {"CAAS_TOKEN_SECRET_FILE", (dir / "token-secret").string()},
           {"CAAS_NOTIFICATION_TEMPLATE_DIR", CAAS_NOTIFICATION_TEMPLATE_DIR},
           {"CAAS_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(mail.port())},
           {"CAAS_SMTP_TIMEOUT", "2s"},
           {"CAAS_PUSH_GATEWAY_URL", push.url()},
           {"CAAS_PUSH_GATEWAY_TOKEN_FILE", (dir / "push-token").string()},
           {"CAAS_PUSH_TIMEOUT", "500ms"},
           {"CAAS_NOTIFICATION_RETRY_INITIAL", "50ms"},
           {"CAAS_NOTIFICATION_RETRY_MAX", "200ms"},
           {"CAAS_NOTIFICATION_MAX_ATTEMPTS", "50"}};
    for (auto& [k, v] : overrides) env[k] = v;
    start();
  }

  void start() {
    service = std::make_unique<testing::RunningService<NotificationService>>("notification", "notification-0", env,
                                                                             std::make_unique<NotificationService>());
    REQUIRE(testing::eventually([&] { return call(port(), "GET", "/readyz", "").status == 200; }, 60s));
  }
  void stop() { service.reset(); }
  std::uint16_t port() const { return service->port(); }

  void set_preferences(const std::string& customer, const std::string& email, const std::string& language,
                       const std::string& channels = "") {
    auto r = call(port(), "PUT", "/api/v1/customers/" + customer + "/preferences", kOperatorKey,
                  R"({"email":")" + email + R"(","language":")" + language + "\"" +
                      (channels.empty() ? "" : R"(,"channels":)" + channels) + "}");
    REQUIRE(r.status == 200);
  }

  /// An order.status-changed as the order service emits it.
  std::string milestone(const std::string& order_id, const std::string& customer, const std::string& state,
                        const std::string& extra = "") {
    const auto data = R"({"order_id":")" + order_id + R"(","order_number":"ORD-2026-01000)" + order_id.substr(1) +
                      R"(","previous_state":"ORDERED","new_state":")" + state + R"(","customer_id":")" + customer +
                      R"(","customer_milestone":true,"reason":"factory reported","caused_by":"f")" + extra + "}";
    auto env_ = events::make_envelope("order.status-changed", "caas/order", order_id, data, "corr-" + order_id, "");
    REQUIRE(env_);
    kafka::Record r{"caas.order.events.v1", order_id, events::serialize(*env_), {}, std::nullopt};
    for (auto& [k, v] : events::kafka_headers(*env_)) r.headers.push_back({k, v});
    devbroker::testing::produce_all(cluster.bootstrap(), {r});
    return env_->id;
  }

  /// An OTA outcome on caas.ota.events.v1 (key VIN) as the ota-engine emits
  /// it; returns the record so a test can deliver it again.
  kafka::Record ota_outcome(const std::string& type, const std::string& vin, const std::string& data) {
    auto env_ = events::make_envelope(type, "caas/ota-engine", vin, data, "corr-" + vin, "");
    REQUIRE(env_);
    kafka::Record r{"caas.ota.events.v1", vin, events::serialize(*env_), {}, std::nullopt};
    for (auto& [k, v] : events::kafka_headers(*env_)) r.headers.push_back({k, v});
    devbroker::testing::produce_all(cluster.bootstrap(), {r});
    return r;
  }

  std::vector<std::string> event_types() const {
    std::vector<std::string> out;
    for (const auto& r : devbroker::testing::consume_all(cluster.bootstrap(), "caas.notification.events.v1")) {
      auto e = events::parse_envelope(r.value);
      if (e) out.push_back(e->type);
    }
    return out;
  }
  std::size_t count_events(const std::string& type) const {
    auto types = event_types();
    return static_cast<std::size_t>(std::count(types.begin(), types.end(), type));
  }

  devbroker::MockCluster cluster{1};
  std::filesystem::path dir;
  testing::MailSink mail;
  testing::PushGateway push;
  testing::EnvMap env;
  std::unique_ptr<testing::RunningService<NotificationService>> service;
};

const std::string kArrival = R"(,"payment_deadline":"2026-12-06T10:00:00.000Z")";

/// caas-iot-sim (the API IoT) as a child process: the in-vehicle display.
struct IotSim {
  explicit IotSim(const std::filesystem::path& dir) {
    std::ofstream(dir / "iot-token") << kIotToken << "\n";
    child = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        CAAS_IOT_SIM_BINARY, "--port", "0", "--api-token-file", (dir / "iot-token").string(), "--vehicles", "3",
        "--seed", "7", "--telemetry-interval", "1h", "--log-level", "error"});
    auto line = child->wait_for_line("caas-iot-sim listening on ", 15s);
    REQUIRE(line);
    port = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
    auto fleet = call(port, "GET", "/control/vehicles", "").json();
    for (const auto& v : fleet["vehicles"].GetArray()) vins.push_back(json::str(v, "vin"));
    REQUIRE(vins.size() == 3);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  testing::EnvMap env(const std::filesystem::path& dir) const {
    return {{"CAAS_IOT_API_URL", url()}, {"CAAS_IOT_API_TOKEN_FILE", (dir / "iot-token").string()}};
  }
  /// What the car's display received: (text, language, requests) per message.
  std::vector<std::tuple<std::string, std::string, int>> display(const std::string& vin) const {
    std::vector<std::tuple<std::string, std::string, int>> out;
    auto doc = call(port, "GET", "/control/display-messages?vin=" + vin, "").json();
    for (const auto& m : doc["messages"].GetArray()) {
      out.emplace_back(json::str(m, "text"), json::str(m, "language"),
                       static_cast<int>(json::int64(m, "requests").value_or(0)));
    }
    return out;
  }
  std::unique_ptr<testing::ChildProcess> child;
  std::uint16_t port = 0;
  std::vector<std::string> vins;
};

std::string ota_head(const std::string& activation, const std::string& vin, const std::string& customer,
                     const std::string& code, const std::string& name) {
  return R"({"activation_id":")" + activation + R"(","vin":")" + vin + R"(","customer_id":")" + customer +
         R"(","service_code":")" + code + R"(","service_name":")" + name +
         R"(","platform":"SUV_ELECTRIC_2024","attempts":2,"requested_at":"2026-12-02T10:00:00.000Z")";
}

}  // namespace

TEST_CASE("milestones reach each customer by e-mail and push, in order and in their language", "[component]") {
  Rig rig("flow");
  rig.set_preferences("C-ES", "lucia@example.com", "es");
  rig.set_preferences("C-EN", "john@example.com", "en");
  for (const auto& [order, customer] : {std::pair{"o1", "C-ES"}, std::pair{"o2", "C-EN"}}) {
    rig.milestone(order, customer, "ORDERED");
    rig.milestone(order, customer, "IN_PRODUCTION");
    rig.milestone(order, customer, "ARRIVED_AT_DEALERSHIP", kArrival);
  }
  REQUIRE(rig.mail.wait_for_count(6, 30s));
  REQUIRE(testing::eventually([&] { return rig.push.messages().size() == 6; }, 30s));

  std::vector<std::string> es_subjects, en_subjects;
  for (const auto& m : rig.mail.messages()) {
    (m.to == "lucia@example.com" ? es_subjects : en_subjects).push_back(m.subject);
  }
  CHECK(es_subjects == std::vector<std::string>{"Tu pedido ORD-2026-010001 ya está confirmado con fábrica",
                                                "La fabricación de tu vehículo ha comenzado",
                                                "Tu vehículo ha llegado: completa el pago final"});
  CHECK(en_subjects == std::vector<std::string>{"Your order ORD-2026-010002 is confirmed with the factory",
                                                "Your vehicle manufacturing has started",
                                                "Your vehicle has arrived - please complete payment"});
  const auto reminder = rig.mail.messages().back();
  CHECK(reminder.body.find("2026-12-06") != std::string::npos);
  CHECK(reminder.message_id.find("@notification.caas.example") != std::string::npos);

  auto pushes = rig.push.messages("C-ES");
  REQUIRE(pushes.size() == 3);
  CHECK(pushes[0].type == "order_confirmed");
  CHECK(pushes[2].type == "arrived_payment_reminder");
  CHECK(pushes[2].language == "es");
  CHECK(pushes[2].body.find("2026-12-06") != std::string::npos);

  // The delivery log, as the customer sees it.
  auto own = call(rig.port(), "GET", "/api/v1/customers/C-ES/notifications?channel=email", customer_token("C-ES"));
  REQUIRE(own.status == 200);
  auto doc = own.json();
  CHECK(doc["total"].GetInt() == 3);
  CHECK(json::str(doc["items"][0], "status") == "sent");
  CHECK(json::str(doc["items"][0], "notification_type") == "order_confirmed");
  CHECK(json::str(doc["items"][0], "language") == "es");
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.sent") == 12; }, 20s));
}

TEST_CASE("the API: who may read and change what, and bad input", "[component][api]") {
  Rig rig("api");
  const auto port = rig.port();
  CHECK(call(port, "GET", "/api/v1/customers/C1/notifications", "").status == 401);
  CHECK(call(port, "GET", "/api/v1/customers/C1/notifications", customer_token("C2")).status == 403);
  CHECK(call(port, "GET", "/api/v1/customers/C1/notifications", kDealerKey).status == 403);
  CHECK(call(port, "GET", "/api/v1/customers/C1/notifications", customer_token("C1")).status == 200);
  CHECK(call(port, "GET", "/api/v1/customers/C1/notifications", kOperatorKey).status == 200);
  CHECK(call(port, "GET", "/api/v1/customers/C1/notifications?limit=0", kOperatorKey).status == 400);
  CHECK(call(port, "GET", "/api/v1/customers/C1/notifications?channel=fax", kOperatorKey).status == 400);
  CHECK(call(port, "GET", "/api/v1/customers/C1/preferences", kOperatorKey).status == 404);

  auto bad = call(port, "PUT", "/api/v1/customers/C1/preferences", customer_token("C1"),
                  R"({"email":"nope","language":"es"})");
  CHECK(bad.status == 400);
  CHECK(json::str(bad.json(), "field") == "email");
  CHECK(call(port, "PUT", "/api/v1/customers/C1/preferences", customer_token("C2"),
             R"({"email":"a@example.com","language":"es"})")
            .status == 403);
  auto ok = call(port, "PUT", "/api/v1/customers/C1/preferences", customer_token("C1"),
                 R"({"email":"c1@example.com","language":"en","channels":{"push":false}})");
  REQUIRE(ok.status == 200);
  auto got = call(port, "GET", "/api/v1/customers/C1/preferences", customer_token("C1"));
  REQUIRE(got.status == 200);
  auto doc = got.json();
  CHECK(json::str(doc, "email") == "c1@example.com");
  CHECK_FALSE(doc["channels"]["push"].GetBool());
  CHECK(json::str(doc["updated_by"], "role") == "customer");
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.preferences-updated") == 1; }, 20s));

  // Push off: only the e-mail goes.
  rig.milestone("o9", "C1", "SHIPPED");
  REQUIRE(rig.mail.wait_for_count(1, 20s));
  CHECK(rig.mail.messages()[0].subject == "Your vehicle is on its way");
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.sent") == 1; }, 20s));
  CHECK(rig.push.messages().empty());
}

TEST_CASE("replaying the order log into a fresh store sends nothing new", "[component][replay]") {
  Rig rig("replay");
  rig.set_preferences("C1", "c1@example.com", "es");
  rig.milestone("o1", "C1", "ORDERED");
  rig.milestone("o1", "C1", "SHIPPED");
  REQUIRE(rig.mail.wait_for_count(2, 30s));
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.sent") == 4; }, 20s));

  rig.stop();
  std::filesystem::remove_all(rig.dir / "data");  // the store is lost
  rig.start();
  // The profile and the delivery log come back from the service's own log;
  // every replayed order event is recognised.
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.suppressed-duplicate") == 4; }, 60s));
  rig.milestone("o1", "C1", "ARRIVED_AT_DEALERSHIP", kArrival);  // news after the replay still goes out
  REQUIRE(rig.mail.wait_for_count(3, 30s));
  REQUIRE(testing::eventually([&] { return rig.push.messages().size() == 3; }, 20s));
  CHECK(rig.mail.count() == 3);
  CHECK(rig.push.duplicates() == 0);
  auto history = call(rig.port(), "GET", "/api/v1/customers/C1/notifications", kOperatorKey).json();
  CHECK(history["total"].GetInt() == 6);
}

TEST_CASE("push gateway down: e-mails keep flowing, pushes follow when it returns", "[component][faults]") {
  Rig rig("push-down");
  rig.set_preferences("C1", "c1@example.com", "es");
  rig.push.set_faults(R"({"down":true})");
  rig.milestone("o1", "C1", "ORDERED");
  rig.milestone("o1", "C1", "IN_PRODUCTION");
  REQUIRE(rig.mail.wait_for_count(2, 30s));
  CHECK(rig.push.messages().empty());
  rig.push.set_faults(R"({"down":false})");
  REQUIRE(testing::eventually([&] { return rig.push.messages().size() == 2; }, 30s));
  auto pushes = rig.push.messages();
  CHECK(pushes[0].type == "order_confirmed");
  CHECK(pushes[1].type == "manufacturing_started");
  auto history = call(rig.port(), "GET", "/api/v1/customers/C1/notifications?channel=push", kOperatorKey).json();
  CHECK(history["items"][0]["attempts"].GetInt() > 1);
}

TEST_CASE("a retry budget used up or a bad address ends as notification.failed and a dead letter",
          "[component][faults]") {
  Rig rig("budget", {{"CAAS_NOTIFICATION_MAX_ATTEMPTS", "3"}});
  rig.set_preferences("C1", "reject-c1@example.com", "es");  // the SMTP server answers 550
  rig.push.set_faults(R"({"down":true})");
  // Every series exists from the start, so increase() sees the first failure.
  const std::string failed_series =
      R"(notifications_failed_total{channel="email",error_class="permanent",type="vehicle_shipped"} )";
  CHECK(call(rig.port(), "GET", "/metrics", "").body.find(failed_series + "0") != std::string::npos);
  rig.milestone("o1", "C1", "SHIPPED");
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.failed") == 2; }, 30s));
  CHECK(call(rig.port(), "GET", "/metrics", "").body.find(failed_series + "1") != std::string::npos);
  auto dead = devbroker::testing::consume_at_least(rig.cluster.bootstrap(), "caas.dlq.notification.v1", 2, 20s);
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].key == "o1");
  CHECK(rig.mail.count() == 0);
  auto history = call(rig.port(), "GET", "/api/v1/customers/C1/notifications?sort=created_at", kOperatorKey).json();
  REQUIRE(history["total"].GetInt() == 2);
  for (const auto& item : history["items"].GetArray()) {
    CHECK(json::str(item, "status") == "failed");
    if (json::str(item, "channel") == "email") {
      CHECK(json::str(item, "error_code") == "smtp_550");
      CHECK(item["attempts"].GetInt() == 1);  // permanent: not retried
    } else {
      CHECK(item["attempts"].GetInt() == 3);
    }
  }
}

TEST_CASE("OTA outcomes reach the customer: success also on the car's display, failure with an apology",
          "[component][ota]") {
  const auto scratch = testing::fresh_dir("notification-ota-iot");
  IotSim iot(scratch);
  Rig rig("ota", iot.env(scratch));
  rig.set_preferences("C-ES", "lucia@example.com", "es");
  rig.set_preferences("C-EN", "john@example.com", "en");
  const auto& vin_es = iot.vins[0];
  const auto& vin_en = iot.vins[1];

  auto activated = rig.ota_outcome(
      "ota.activated", vin_es,
      ota_head("act-1", vin_es, "C-ES", "PERFORMANCE_BOOST", "Aumento Potencia 50%") +
          R"(,"activated_at":"2026-12-02T10:01:00.000Z","parameters":{"power_mode":"HIGH"},"confirmed_by":"status-query"})");
  rig.ota_outcome("ota.escalated", vin_en,
                  ota_head("act-2", vin_en, "C-EN", "AUTONOMOUS_HIGHWAY", "Autonomous Highway") +
                      R"(,"operation":"activation","reason":"FIRMWARE_ERROR","last_error_code":"FW_INTERNAL_ERROR",)"
                      R"("ticket_id":"tkt-act-2","resolution_hours":48,"escalated_at":"2026-12-02T10:05:00.000Z"})");
  rig.ota_outcome("ota.deactivated", vin_es,
                  ota_head("deact-1", vin_es, "C-ES", "PERFORMANCE_BOOST", "Aumento Potencia 50%") +
                      R"(,"deactivated_at":"2026-12-02T11:00:00.000Z","parameters":{"power_mode":"STANDARD"}})");

  REQUIRE(rig.mail.wait_for_count(3, 30s));
  REQUIRE(testing::eventually([&] { return rig.push.messages().size() == 3; }, 30s));
  REQUIRE(testing::eventually([&] { return iot.display(vin_es).size() == 1; }, 30s));
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.sent") == 7; }, 20s));

  std::vector<std::string> es_subjects;
  std::string en_body, en_subject;
  for (const auto& m : rig.mail.messages()) {
    if (m.to == "lucia@example.com") {
      es_subjects.push_back(m.subject);
    } else {
      en_subject = m.subject;
      en_body = m.body;
    }
  }
  CHECK(es_subjects == std::vector<std::string>{"Aumento Potencia 50% ya está activo en tu vehículo",
                                                "Aumento Potencia 50% se ha desactivado en tu vehículo"});
  CHECK(en_subject == "We could not activate Autonomous Highway - our apologies");
  CHECK(en_body.find("We are sorry") != std::string::npos);
  CHECK(en_body.find("within 48 hours") != std::string::npos);
  CHECK(en_body.find("tkt-act-2") != std::string::npos);
  CHECK(en_body.find("will not be charged") != std::string::npos);

  auto pushes_en = rig.push.messages("C-EN");
  REQUIRE(pushes_en.size() == 1);
  CHECK(pushes_en[0].type == "service_activation_failed");
  CHECK(pushes_en[0].body.find("48") != std::string::npos);
  auto pushes_es = rig.push.messages("C-ES");
  REQUIRE(pushes_es.size() == 2);
  CHECK(pushes_es[0].type == "service_activated");
  CHECK(pushes_es[1].type == "service_deactivated");

  // The car's display: only the success, in the customer's language; nothing
  // on the display for a failure or a deactivation.
  auto shown = iot.display(vin_es);
  REQUIRE(shown.size() == 1);
  CHECK(std::get<0>(shown[0]) == "Aumento Potencia 50% activado. ¡Disfrútalo!");
  CHECK(std::get<1>(shown[0]) == "es");
  CHECK(iot.display(vin_en).empty());

  // The customer's history names the activation.
  auto history =
      call(rig.port(), "GET", "/api/v1/customers/C-ES/notifications?activation_id=act-1", customer_token("C-ES"))
          .json();
  REQUIRE(history["total"].GetInt() == 3);
  for (const auto& item : history["items"].GetArray()) {
    CHECK(json::str(item, "status") == "sent");
    CHECK(json::str(item, "source_event_type") == "ota.activated");
    CHECK(item["order_id"].IsNull());
  }

  // The same outcome delivered again (the processor knows its id), then a
  // wiped store replaying both topics: nothing is sent again, and the
  // replayed outcomes are recognised from the delivery log.
  devbroker::testing::produce_all(rig.cluster.bootstrap(), {activated});
  rig.stop();
  std::filesystem::remove_all(rig.dir / "data");
  rig.start();
  REQUIRE(testing::eventually([&] { return rig.count_events("notification.suppressed-duplicate") == 7; }, 60s));
  CHECK(rig.mail.count() == 3);
  CHECK(rig.push.messages().size() == 3);
  CHECK(rig.push.duplicates() == 0);
  shown = iot.display(vin_es);
  REQUIRE(shown.size() == 1);
  CHECK(std::get<2>(shown[0]) == 1);  // one request ever reached the car
}
