// Component tests: the real service wiring in process (ServiceRuntime +
// IngressService, ephemeral port) against an in-process MockCluster. Every
// status code of the contract, hostile input (nothing written), and a broker
// outage (503s, then every 200 in the topic exactly once).
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using namespace caas;
using namespace caas::ingress;
using namespace caas::ingress::test;
using namespace std::chrono_literals;

namespace {

const char* kFactoryTopic = "caas.ingress.factory-status.v1";
const char* kTelemetryTopic = "caas.ingress.iot-telemetry.v1";
const char* kCommandTopic = "caas.ingress.iot-command-status.v1";

// A second, config-only partner (no code): body-signed, tiny rate limit.
std::string sources_with_partner() {
  return R"({"sources":[
    {"name":"factory","path":"/api/v1/webhooks/factory/status","signature":"factory-hmac",
     "secrets_env":"CAAS_FACTORY_WEBHOOK_SECRETS_FILE","schema":"ingress.factory-status.v1",
     "topic":"caas.ingress.factory-status.v1","key_field":"order_id","validator":"factory-status",
     "rate_limit":{"rps":5000,"burst":10000},"max_body_bytes":65536,"check_known_orders":true},
    {"name":"iot-telemetry","path":"/api/v1/webhooks/iot/telemetry","signature":"standard-webhooks",
     "secrets_env":"CAAS_IOT_WEBHOOK_SECRETS_FILE","schema":"ingress.iot-telemetry.v1",
     "topic":"caas.ingress.iot-telemetry.v1","key_field":"vin","payload":"batch","items_field":"readings",
     "max_items":500,"validator":"iot-reading","max_body_bytes":1048576},
    {"name":"iot-command-status","path":"/api/v1/webhooks/iot/command-status","signature":"standard-webhooks",
     "secrets_env":"CAAS_IOT_WEBHOOK_SECRETS_FILE","schema":"ingress.iot-command-status.v1",
     "topic":"caas.ingress.iot-command-status.v1","key_field":"vin","validator":"iot-command-status"},
    {"name":"partner-x","path":"/api/v1/webhooks/partner-x/status","signature":"factory-hmac",
     "secrets_env":"CAAS_FACTORY_WEBHOOK_SECRETS_FILE","schema":"ingress.iot-command-status.v1",
     "topic":"caas.ingress.iot-command-status.v1","key_field":"vin","validator":"iot-command-status",
     "responses":"standard","rate_limit":{"rps":0.5,"burst":3}}
  ]})";
}

void place_order(devbroker::MockCluster& cluster, const std::string& factory_order_id) {
  const std::string data =
      R"({"order_id":"ORD-)" + factory_order_id + R"(","factory_order_id":")" + factory_order_id +
      R"(","status":"ORDERED","estimated_delivery_date":"2027-03-01","manufacturing_location":"Martorell","created_at":"2026-11-01T10:00:00Z"})";
  auto env = events::make_envelope("factory.order-placed", "caas/factory-adapter", "ORD-" + factory_order_id, data,
                                   "corr-" + factory_order_id, "");
  REQUIRE(env);
  kafka::Record r{"caas.factory.events.v1", "ORD-" + factory_order_id, events::serialize(*env), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(*env)) r.headers.push_back({k, v});
  devbroker::testing::produce_all(cluster.bootstrap(), {r});
}

std::optional<HttpResult> post_factory(std::uint16_t port, const std::string& body,
                                       const std::string& secret = kFactorySecret, const std::string& rid = {}) {
  return request(port, "POST", kFactoryPath, factory_headers(body, secret, rid), body);
}

// One raw request on a fresh connection (sent byte for byte), its response.
HttpResult exchange(std::uint16_t port, const std::string& raw) {
  Conn c(port);
  REQUIRE(c.send_all(raw));
  auto r = c.read_response();
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("factory webhook answers every status code of seed 000", "[component][factory]") {
  devbroker::MockCluster cluster(1);
  std::atomic<std::int64_t> skew_ms{0};
  const auto dir = fresh_dir("sources");
  write_file(dir / "sources.json", sources_with_partner());
  Harness h(
      cluster,
      {{"CAAS_INGRESS_SOURCES_FILE", (dir / "sources.json").string()}, {"CAAS_INGRESS_UNKNOWN_ORDER_GRACE", "1m"}},
      [&skew_ms] { return std::chrono::system_clock::now() + std::chrono::milliseconds(skew_ms.load()); });
  REQUIRE(h.wait_ready());
  place_order(cluster, "FAC-2024-001234");

  // 200 once the projection knows the order (it is also within the grace before).
  const auto body = factory_body("FAC-2024-001234");
  auto ok = post_factory(h.port(), body, kFactorySecret, "req-ok-1");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto doc = events::parse_strict_json(ok->body);
  REQUIRE(doc);
  CHECK((*doc)["received"].GetBool());
  CHECK(std::string((*doc)["order_id"].GetString()) == "FAC-2024-001234");
  CHECK(events::parse_rfc3339((*doc)["processed_at"].GetString()));
  CHECK(ok->header("x-request-id") == "req-ok-1");

  // Rotated: the previous secret is still accepted.
  auto rotated =
      post_factory(h.port(), factory_body("FAC-2024-001234", "ARRIVED_AT_DEALERSHIP"), kFactorySecretOld, "req-ok-2");
  REQUIRE(rotated);
  CHECK(rotated->status == 200);

  const std::string invalid_sig = R"({"error":"Invalid signature","received":false})";
  {  // tampered body
    auto headers = factory_headers(body, kFactorySecret);
    std::string tampered = body;
    tampered.replace(tampered.find("SHIPPED"), 7, "ORDERED");
    auto r = request(h.port(), "POST", kFactoryPath, headers, tampered);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body == invalid_sig);
  }
  {
    auto r = post_factory(h.port(), body, "wrong-secret");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body == invalid_sig);
  }
  {
    auto r = request(h.port(), "POST", kFactoryPath, {{"Content-Type", "application/json"}}, body);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body == invalid_sig);
  }
  {  // duplicated signature header
    auto headers = factory_headers(body, kFactorySecret);
    headers.emplace_back("X-Factory-Signature", security::sign_factory(body, kFactorySecret));
    auto r = request(h.port(), "POST", kFactoryPath, headers, body);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body == invalid_sig);
  }
  {  // 415
    auto headers = factory_headers(body, kFactorySecret);
    headers[0].second = "text/plain";
    auto r = request(h.port(), "POST", kFactoryPath, headers, body);
    REQUIRE(r);
    CHECK(r->status == 415);
  }
  {  // 413: above the factory source's 64 KiB (the server accepts up to 1 MiB for IoT)
    const std::string big = R"({"order_id":"FAC-2024-001234","notes":")" + std::string(100 * 1024, 'x') + R"("})";
    auto r = post_factory(h.port(), big);
    REQUIRE(r);
    CHECK(r->status == 413);
  }
  {  // 400 naming the failing field
    auto r = post_factory(h.port(), factory_body("FAC-2024-001234", "TELEPORTED"));
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body.find(R"("field":"status")") != std::string::npos);
    CHECK(r->body.find(R"("received":false)") != std::string::npos);
    auto t = post_factory(h.port(), factory_body("FAC-2024-001234", "SHIPPED", "01/02/2024 10:00"));
    REQUIRE(t);
    CHECK(t->status == 400);
    CHECK(t->body.find(R"("field":"timestamp")") != std::string::npos);
  }
  // Unknown order: accepted within the grace, 404 after it.
  {
    auto within = post_factory(h.port(), factory_body("FAC-9999-000001"), kFactorySecret, "req-grace");
    REQUIRE(within);
    CHECK(within->status == 200);
    skew_ms = 2 * 60 * 1000;
    auto after = post_factory(h.port(), factory_body("FAC-9999-000001", "IN_PRODUCTION"));
    REQUIRE(after);
    CHECK(after->status == 404);
    CHECK(after->body == R"({"error":"Order not found","order_id":"FAC-9999-000001","received":false})");
    auto never = post_factory(h.port(), factory_body("FAC-9999-000002"));
    REQUIRE(never);
    CHECK(never->status == 200);  // first sighting starts its own grace
    skew_ms = 0;
  }
  // Rate limit of the config-only partner: burst 3, then 429 + Retry-After.
  {
    int accepted = 0;
    std::optional<HttpResult> limited;
    for (int i = 0; i < 6 && !limited; ++i) {
      const auto b = R"({"command_id":"px-)" + std::to_string(i) +
                     R"(","vin":"VSSZZZ6JZ9R056308","time":"2026-11-01T10:00:00Z","result":"APPLIED"})";
      auto r = request(h.port(), "POST", "/api/v1/webhooks/partner-x/status", factory_headers(b, kFactorySecret), b);
      REQUIRE(r);
      if (r->status == 200) ++accepted;
      if (r->status == 429) limited = r;
      if (r->status != 200 && r->status != 429) WARN(r->status << " " << r->body);
    }
    CHECK(accepted == 3);
    REQUIRE(limited);
    CHECK(std::stoi(limited->header("retry-after")) >= 1);
    CHECK(limited->body.find(R"("error":"rate_limited")") != std::string::npos);
  }
  CHECK(read_topic(cluster.bootstrap(), kCommandTopic).size() == 3);
  // Exactly the accepted factory requests are in the topic.
  auto records = read_topic(cluster.bootstrap(), kFactoryTopic);
  CHECK(records.size() == 4);
  std::set<std::string> rids;
  for (const auto& r : records) {
    rids.insert(r.request_id);
    CHECK(r.type == "ingress.factory-status");
  }
  CHECK(rids.count("req-ok-1") == 1);
  CHECK(rids.count("req-ok-2") == 1);
  CHECK(rids.count("req-grace") == 1);
  for (const auto& r : records) {
    if (r.request_id == "req-ok-1") {
      CHECK(r.key == "FAC-2024-001234");
      CHECK(r.data.find(R"("source":"factory")") != std::string::npos);
      CHECK(r.data.find(R"("secret_id":"0:)") != std::string::npos);
      CHECK(r.data.find(R"("received_at":")") != std::string::npos);
    }
    if (r.request_id == "req-ok-2") CHECK(r.data.find(R"("secret_id":"1:)") != std::string::npos);
  }
}

TEST_CASE("grace 0: a webhook for an order the platform never placed is 404 at once, nothing written",
          "[component][factory]") {
  devbroker::MockCluster cluster(1);
  Harness h(cluster, {{"CAAS_INGRESS_UNKNOWN_ORDER_GRACE", "0"}});
  REQUIRE(h.wait_ready());
  const std::string not_found = R"({"error":"Order not found","order_id":"FAC-NEVER-0001","received":false})";
  auto first = post_factory(h.port(), factory_body("FAC-NEVER-0001"), kFactorySecret, "req-never-1");
  REQUIRE(first);
  CHECK(first->status == 404);
  CHECK(first->body == not_found);
  CHECK(first->header("content-type") == "application/json");
  auto again = post_factory(h.port(), factory_body("FAC-NEVER-0001", "IN_PRODUCTION"), kFactorySecret, "req-never-2");
  REQUIRE(again);
  CHECK(again->status == 404);
  CHECK(again->body == R"({"error":"Order not found","order_id":"FAC-NEVER-0001","received":false})");

  // A placed order is still accepted once the projection has it.
  place_order(cluster, "FAC-2024-000777");
  CHECK(testing::eventually(
      [&] {
        auto r = post_factory(h.port(), factory_body("FAC-2024-000777"), kFactorySecret, "req-placed");
        return r && r->status == 200;
      },
      20s));

  // Nothing remembered of the unknown id (no grace marker), nothing in Kafka.
  std::vector<std::string> markers;
  h.store().scan_prefix(kUnknownOrderPrefix, [&](std::string_view key, std::string_view) {
    markers.emplace_back(key);
    return true;
  });
  CHECK(markers.empty());
  auto records = read_topic(cluster.bootstrap(), kFactoryTopic);
  REQUIRE(records.size() == 1);
  CHECK(records[0].key == "FAC-2024-000777");
  CHECK(records[0].request_id == "req-placed");
}

TEST_CASE("grace above 0: the first sighting of an unknown id is accepted and remembered", "[component][factory]") {
  devbroker::MockCluster cluster(1);
  std::atomic<std::int64_t> skew_ms{0};
  Harness h(cluster, {{"CAAS_INGRESS_UNKNOWN_ORDER_GRACE", "1m"}},
            [&skew_ms] { return std::chrono::system_clock::now() + std::chrono::milliseconds(skew_ms.load()); });
  REQUIRE(h.wait_ready());
  auto first = post_factory(h.port(), factory_body("FAC-LATE-0001"), kFactorySecret, "req-late");
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(h.store().get(std::string(kUnknownOrderPrefix) + "FAC-LATE-0001"));
  skew_ms = 2 * 60 * 1000;  // past the grace: the same id is refused
  auto after = post_factory(h.port(), factory_body("FAC-LATE-0001", "IN_PRODUCTION"));
  REQUIRE(after);
  CHECK(after->status == 404);
  auto records = read_topic(cluster.bootstrap(), kFactoryTopic);
  REQUIRE(records.size() == 1);
  CHECK(records[0].request_id == "req-late");
}

TEST_CASE("IoT webhooks: Standard Webhooks signing, batches keyed by VIN, dedup", "[component][iot]") {
  devbroker::MockCluster cluster(1);
  Harness h(cluster, {{"CAAS_INGRESS_CHECK_KNOWN_ORDERS", "false"}});
  REQUIRE(h.wait_ready());
  const std::string vin_a = "VSSZZZ6JZ9R056308";
  const std::string vin_b = "WVWZZZ1JZXW000001";
  const std::string batch =
      R"({"readings":[)" + reading(vin_a, 1) + "," + reading(vin_b, 7) + "," + reading(vin_a, 2) + "]}";
  auto post = [&](const std::string& path, const std::string& id, std::int64_t ts, const std::string& b,
                  const std::string& secret = kIotSecret, const std::string& rid = {}) {
    return request(h.port(), "POST", path, standard_headers(id, ts, b, secret, rid), b);
  };

  auto ok = post(kTelemetryPath, "msg_batch_1", unix_now(), batch, kIotSecret, "req-batch-1");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body.find(R"("records":3)") != std::string::npos);

  auto again = post(kTelemetryPath, "msg_batch_1", unix_now(), batch);  // partner retry
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->body.find(R"("duplicate":true)") != std::string::npos);

  auto rotated = post(kTelemetryPath, "msg_batch_2", unix_now(), R"({"readings":[)" + reading(vin_b, 8) + "]}",
                      kIotSecretOld, "req-batch-2");
  REQUIRE(rotated);
  CHECK(rotated->status == 200);

  auto expect_401 = [&](std::optional<HttpResult> r) {
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->body.find(R"("error":"invalid_signature")") != std::string::npos);
    CHECK(r->body.find(R"("message":)") != std::string::npos);
  };
  expect_401(post(kTelemetryPath, "msg_wrong", unix_now(), batch, "not-the-secret"));
  expect_401(post(kTelemetryPath, "msg_old", unix_now() - 6 * 60, batch));
  expect_401(post(kTelemetryPath, "msg_future", unix_now() + 6 * 60, batch));
  expect_401(request(h.port(), "POST", kTelemetryPath, {{"Content-Type", "application/json"}}, batch));
  {  // tampered body
    auto headers = standard_headers("msg_tamper", unix_now(), batch, kIotSecret);
    std::string tampered = batch;
    tampered.replace(tampered.find("PARKED"), 6, "OFF\"  ");
    expect_401(request(h.port(), "POST", kTelemetryPath, headers, tampered));
  }
  {                                                     // one bad reading refuses the whole batch
    std::string bad = reading("VSSZZZ6JZ9R05630O", 3);  // 'O' is not a VIN character
    const std::string b = R"({"readings":[)" + reading(vin_a, 3) + "," + bad + "]}";
    auto r = post(kTelemetryPath, "msg_bad_batch", unix_now(), b);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body.find(R"("field":"readings[1].vin")") != std::string::npos);
    const std::string b2 = R"({"readings":[)" + reading(vin_a, -4) + "]}";
    auto r2 = post(kTelemetryPath, "msg_bad_seq", unix_now(), b2);
    REQUIRE(r2);
    CHECK(r2->status == 400);
    CHECK(r2->body.find(R"("field":"readings[0].seq")") != std::string::npos);
  }
  // Command status.
  const std::string cmd = R"({"command_id":"cmd-1","vin":")" + vin_a + R"(","time":")" + recent_time() +
                          R"(","result":"APPLIED","error_code":null,"reported_parameters":{"power_mode":"HIGH"}})";
  auto c = post(kCommandPath, "msg_cmd_1", unix_now(), cmd, kIotSecret, "req-cmd-1");
  REQUIRE(c);
  CHECK(c->status == 200);
  std::string bad_cmd = cmd;
  bad_cmd.replace(bad_cmd.find("APPLIED"), 7, "MAYBE");
  auto bc = post(kCommandPath, "msg_cmd_2", unix_now(), bad_cmd);
  REQUIRE(bc);
  CHECK(bc->status == 400);
  CHECK(bc->body.find(R"("field":"result")") != std::string::npos);

  auto readings = read_topic(cluster.bootstrap(), kTelemetryTopic);
  REQUIRE(readings.size() == 4);  // 3 from the first batch (once), 1 from the rotated-secret batch
  std::map<std::string, int> by_vin;
  std::set<std::string> event_ids;
  for (const auto& r : readings) {
    by_vin[r.key]++;
    event_ids.insert(r.event_id);
    CHECK(r.type == "ingress.iot-telemetry");
    CHECK(r.data.find(R"("webhook_id":"msg_batch_)") != std::string::npos);
  }
  CHECK(by_vin[vin_a] == 2);
  CHECK(by_vin[vin_b] == 2);
  CHECK(event_ids.size() == 4);
  auto commands = read_topic(cluster.bootstrap(), kCommandTopic);
  REQUIRE(commands.size() == 1);
  CHECK(commands[0].key == vin_a);
  CHECK(commands[0].request_id == "req-cmd-1");
}

TEST_CASE("hostile input is refused with the right 4xx and nothing is written", "[component][hostile]") {
  devbroker::MockCluster cluster(1);
  Harness h(cluster, {{"CAAS_INGRESS_CHECK_KNOWN_ORDERS", "false"},
                      {"CAAS_INGRESS_HEADER_TIMEOUT", "1s"},
                      {"CAAS_INGRESS_BODY_TIMEOUT", "1s"}});
  REQUIRE(h.wait_ready());

  struct Case {
    std::string name;
    std::string body;
    int status;
  };
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const std::string deep_obj = [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(10000, '}');
    return s;
  }();
  const std::vector<Case> cases{
      {"nested 10,000 deep (arrays)", deep, 400},
      {"nested 10,000 deep (objects)", deep_obj, 400},
      {"duplicate keys",
       R"({"order_id":"FAC-1","order_id":"FAC-2","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z"})", 400},
      {"invalid UTF-8",
       std::string(R"({"order_id":"FAC-1","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","notes":")") +
           "\xC3\x28" + "\"}",
       400},
      {"NaN", R"({"order_id":"FAC-1","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","x":NaN})", 400},
      {"BOM", "\xEF\xBB\xBF" + factory_body("FAC-1"), 400},
      {"not JSON", "order_id=FAC-1&status=SHIPPED", 400},
      {"empty body", "", 400},
      {"timestamp out of range (1970)", factory_body("FAC-1", "SHIPPED", "1970-01-01T00:00:00Z"), 400},
      {"timestamp out of range (future)", factory_body("FAC-1", "SHIPPED", "2999-01-01T00:00:00Z"), 400},
      {"timestamp not ISO", factory_body("FAC-1", "SHIPPED", "Thu, 01 Feb 2024 10:00:00 GMT"), 400},
      {"timestamp Feb 30", factory_body("FAC-1", "SHIPPED", "2024-02-30T10:00:00Z"), 400},
      {"oversized order id", factory_body(std::string(300, 'F')), 400},
      {"order id with spaces", factory_body("FAC 1"), 400},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = post_factory(h.port(), c.body);
    REQUIRE(r);
    CHECK(r->status == c.status);
  }
  // IoT: oversized webhook-id, oversized readings array element ids.
  {
    const std::string b = R"({"readings":[)" + reading("VSSZZZ6JZ9R056308", 1) + "]}";
    auto r = request(h.port(), "POST", kTelemetryPath,
                     standard_headers(std::string(500, 'm'), unix_now(), b, kIotSecret), b);
    REQUIRE(r);
    CHECK(r->status == 400);
    auto headers = standard_headers("msg_dup", unix_now(), b, kIotSecret);
    headers.emplace_back("webhook-signature", security::sign_standard_webhook("msg_dup", unix_now(), b, kIotSecret));
    auto d = request(h.port(), "POST", kTelemetryPath, headers, b);
    REQUIRE(d);
    CHECK(d->status == 400);
  }
  const std::string body = factory_body("FAC-1");
  const auto signed_headers = factory_headers(body, kFactorySecret);
  {  // duplicated Host
    Conn c(h.port());
    auto headers = signed_headers;
    headers.emplace_back("Host", "evil.example");
    REQUIRE(c.send_all(build_request("POST", kFactoryPath, headers, body)));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
  }
  {  // Content-Length + Transfer-Encoding (request smuggling)
    Conn c(h.port());
    auto headers = signed_headers;
    headers.emplace_back("Content-Length", std::to_string(body.size()));
    headers.emplace_back("Transfer-Encoding", "chunked");
    REQUIRE(c.send_all(build_request("POST", kFactoryPath, headers, body)));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
  }
  {  // Expect: 100-continue with an oversized Content-Length: 413 before any upload
    Conn c(h.port());
    auto headers = signed_headers;
    headers.emplace_back("Content-Length", std::to_string(50 * 1024 * 1024));
    headers.emplace_back("Expect", "100-continue");
    REQUIRE(c.send_all(build_request("POST", kFactoryPath, headers, "")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
  }
  {  // oversized headers
    auto headers = signed_headers;
    headers.emplace_back("X-Padding", std::string(40 * 1024, 'p'));
    Conn c(h.port());
    REQUIRE(c.send_all(build_request("POST", kFactoryPath, headers, body)));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 431);
  }
  {  // slowloris: slow head and slow body are closed in bounded time while others are served
    const auto start = std::chrono::steady_clock::now();
    Conn slow_head(h.port());
    REQUIRE(slow_head.send_all("POST /api/v1/webhooks/factory/status HTTP/1.1\r\nHost: x\r\n"));
    Conn slow_body(h.port());
    auto headers = signed_headers;
    headers.emplace_back("Content-Length", std::to_string(body.size()));
    const auto req = build_request("POST", kFactoryPath, headers, body);
    REQUIRE(slow_body.send_all(req.substr(0, req.size() - 10)));
    auto served = post_factory(h.port(), factory_body("FAC-1", "SHIPPED", "2023-13-01T00:00:00Z"));
    REQUIRE(served);
    CHECK(served->status == 400);
    CHECK(slow_head.closed_within(5s));
    CHECK(slow_body.closed_within(5s));
    CHECK(std::chrono::steady_clock::now() - start < 6s);
  }
  CHECK(read_topic(cluster.bootstrap(), kFactoryTopic).empty());
  CHECK(read_topic(cluster.bootstrap(), kTelemetryTopic).empty());
}

TEST_CASE("HTTP strictness: no Host, two Hosts, too many header fields, a signature not in the contract's form",
          "[component][hostile]") {
  devbroker::MockCluster cluster(1);
  Harness h(cluster, {{"CAAS_INGRESS_CHECK_KNOWN_ORDERS", "false"}});
  REQUIRE(h.wait_ready());
  const std::string body = factory_body("FAC-1");
  const auto signed_headers = factory_headers(body, kFactorySecret);
  {  // HTTP/1.1 without Host
    auto r = exchange(h.port(), build_request("POST", kFactoryPath, signed_headers, body, false));
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":"bad_request","message":"HTTP/1.1 request without a Host header"})");
  }
  {  // two Host fields, the same value twice
    auto headers = signed_headers;
    headers.emplace_back("Host", "127.0.0.1");
    auto r = exchange(h.port(), build_request("POST", kFactoryPath, headers, body));
    CHECK(r.status == 400);
    CHECK(r.body.find(R"("error":"bad_request")") != std::string::npos);
  }
  {  // 101 header fields (Host, Content-Length and the signed ones included), well under the byte limit
    auto headers = signed_headers;
    while (headers.size() < 99) headers.emplace_back("X-Pad-" + std::to_string(headers.size()), "p");
    auto r = exchange(h.port(), build_request("POST", kFactoryPath, headers, body));
    CHECK(r.status == 431);
    CHECK(r.body == R"({"error":"too_many_headers","message":"request has more than 100 header fields"})");
  }
  // The HMAC is right every time; only its form is not the contract's.
  const std::string sig = security::sign_factory(body, kFactorySecret);
  const std::vector<std::pair<std::string, std::string>> forms{
      {"sha256= prefix", "sha256=" + sig},
      {"SHA256= prefix", "SHA256=" + sig},
      {"space inside", sig.substr(0, 32) + " " + sig.substr(32)},
      {"tab inside", sig.substr(0, 32) + "\t" + sig.substr(32)},
      {"63 digits", sig.substr(1)},
      {"65 digits", sig + "0"},
      {"listed twice", sig + "," + sig},
      {"not hex", "g" + sig.substr(1)},
  };
  for (const auto& [name, value] : forms) {
    INFO(name);
    auto r =
        exchange(h.port(), build_request("POST", kFactoryPath,
                                         {{"Content-Type", "application/json"}, {"X-Factory-Signature", value}}, body));
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":"Invalid signature","received":false})");
  }
  CHECK(read_topic(cluster.bootstrap(), kFactoryTopic).empty());
}

TEST_CASE("HTTP strictness: absolute-form target, 100 header fields and a signature with surrounding OWS are accepted",
          "[component][factory]") {
  devbroker::MockCluster cluster(1);
  Harness h(cluster, {{"CAAS_INGRESS_CHECK_KNOWN_ORDERS", "false"}});
  REQUIRE(h.wait_ready());
  const std::string body = factory_body("FAC-ABS-1");
  {
    const std::string target = "http://127.0.0.1:" + std::to_string(h.port()) + kFactoryPath + "?via=proxy";
    auto r =
        exchange(h.port(), build_request("POST", target, factory_headers(body, kFactorySecret, "req-absolute"), body));
    CHECK(r.status == 200);
    CHECK(r.body.find(R"("order_id":"FAC-ABS-1")") != std::string::npos);
  }
  {
    const std::string b = factory_body("FAC-ABS-2");
    auto headers = factory_headers(b, kFactorySecret, "req-100-fields");
    while (headers.size() < 98) headers.emplace_back("X-Pad-" + std::to_string(headers.size()), "p");
    auto r = exchange(h.port(), build_request("POST", kFactoryPath, headers, b));  // + Host + Content-Length = 100
    CHECK(r.status == 200);
  }
  {
    const std::string b = factory_body("FAC-ABS-3");
    auto r = exchange(h.port(),
                      build_request("POST", kFactoryPath,
                                    {{"Content-Type", "application/json"},
                                     {"X-Factory-Signature", " \t" + security::sign_factory(b, kFactorySecret) + "\t "},
                                     {"X-Request-Id", "req-ows"}},
                                    b));
    CHECK(r.status == 200);
  }
  std::set<std::string> rids;
  for (const auto& r : read_topic(cluster.bootstrap(), kFactoryTopic)) rids.insert(r.request_id);
  CHECK(rids == std::set<std::string>{"req-absolute", "req-100-fields", "req-ows"});
}

TEST_CASE("broker outage: 503 with Retry-After, then every 200 is in Kafka exactly once", "[component][outage]") {
  devbroker::MockCluster cluster(1);
  Harness h(cluster, {{"CAAS_INGRESS_CHECK_KNOWN_ORDERS", "false"}, {"CAAS_INGRESS_PRODUCE_TIMEOUT", "1500ms"}});
  REQUIRE(h.wait_ready());

  std::mutex mutex;
  std::map<std::string, int> status_by_rid;
  std::atomic<int> ok_count{0};
  std::atomic<int> unavailable_count{0};
  std::atomic<int> bad_retry_after{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      std::unique_ptr<Conn> conn;
      for (int i = 0; !stop; ++i) {
        const std::string rid = "req-" + std::to_string(t) + "-" + std::to_string(i);
        const std::string b = factory_body("FAC-" + std::to_string(t) + "-" + std::to_string(i));
        std::optional<HttpResult> r;
        try {
          if (!conn) conn = std::make_unique<Conn>(h.port());
          if (conn->send_all(build_request("POST", kFactoryPath, factory_headers(b, kFactorySecret, rid), b))) {
            r = conn->read_response(10s);
          }
        } catch (const std::exception&) {
        }
        if (!r) {
          conn.reset();
          continue;
        }
        if (r->header("connection") == "close") conn.reset();
        if (r->status == 200) ++ok_count;
        if (r->status == 503) {
          ++unavailable_count;
          if (r->header("retry-after").empty()) ++bad_retry_after;
          // A well-behaved partner backs off (scaled down from Retry-After).
          std::this_thread::sleep_for(10ms);
        }
        std::lock_guard lock(mutex);
        status_by_rid[rid] = r->status;
      }
    });
  }
  REQUIRE(testing::eventually([&] { return ok_count >= 100; }, 20s));
  for (auto id : cluster.broker_ids()) cluster.broker_down(id);
  const auto down_at = std::chrono::steady_clock::now();
  CHECK(testing::eventually([&] { return unavailable_count >= 10; }, 20s));
  CHECK(testing::eventually([&] { return h.readyz() == 503; }, 10s));
  // Longer than the produce timeout, so nothing sent before the outage is
  // still waiting for an ack when the broker returns.
  testing::eventually([&] { return std::chrono::steady_clock::now() - down_at > 3s; }, 5s);
  const int ok_before_up = ok_count;
  for (auto id : cluster.broker_ids()) cluster.broker_up(id);
  CHECK(testing::eventually([&] { return ok_count >= ok_before_up + 100; }, 30s));
  stop = true;
  for (auto& t : senders) t.join();
  CHECK(bad_retry_after == 0);
  CHECK(h.wait_ready(15s));

  std::map<std::string, int> in_topic;
  for (const auto& r : read_topic(cluster.bootstrap(), kFactoryTopic, 30s)) in_topic[r.request_id]++;
  int acknowledged = 0;
  int missing = 0;
  int doubled = 0;
  for (const auto& [rid, status] : status_by_rid) {
    if (status != 200) continue;
    ++acknowledged;
    const auto it = in_topic.find(rid);
    if (it == in_topic.end())
      ++missing;
    else if (it->second != 1)
      ++doubled;
  }
  INFO("acknowledged=" << acknowledged << " unavailable=" << unavailable_count.load());
  CHECK(acknowledged >= 200);
  CHECK(missing == 0);
  CHECK(doubled == 0);
}
