// Component tests: the simulator in process on an ephemeral port, driven over
// real HTTP with caas::http::HttpClient; its webhooks land on a receiver that
// verifies every signature. Stage interval 30 ms, retry base 20 ms.
#include "harness.hpp"

#include <caas/events/time.hpp>

#include <regex>

using namespace caas;
using namespace caas::factory_sim;
using namespace caas::factory_sim::test;

TEST_CASE("placement answers 201 as seed 000 and the status query shows the history", "[component][api]") {
  Harness h;
  auto r = h.place(order_body("CUST-A"), "ord-a");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  auto doc = parse(r->body);
  const std::string id = str(doc["order_id"]);
  CHECK(std::regex_match(id, std::regex("FAC-[0-9]{4}-[0-9]{6}")));
  CHECK(str(doc["status"]) == "ORDERED");
  CHECK(events::parse_date(str(doc["estimated_delivery_date"])));
  CHECK(str(doc["manufacturing_location"]).find("Factory") != std::string::npos);
  CHECK(events::parse_rfc3339(str(doc["created_at"])));
  CHECK(doc.MemberCount() == 5);

  auto s = h.status(id);
  REQUIRE(s);
  REQUIRE(s->status == 200);
  auto st = parse(s->body);
  CHECK(str(st["order_id"]) == id);
  REQUIRE(st["status_history"].Size() >= 1);
  CHECK(str(st["status_history"][0]["status"]) == "ORDERED");
  CHECK(str(st["status_history"][0]["timestamp"]) == str(doc["created_at"]));
  CHECK(str(st["estimated_delivery_date"]) == str(doc["estimated_delivery_date"]));
  CHECK(st.HasMember("current_location"));

  auto missing = h.status("FAC-2024-999999");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(str(parse(missing->body)["error_code"]) == "ORDER_NOT_FOUND");
}

TEST_CASE("Bearer token: 401 without or with a wrong one, 403 for a read-only token placing", "[component][auth]") {
  Harness h;
  for (const std::string token : {"", "wrong-token"}) {
    auto r = h.place(order_body(), "", token);
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(str(parse(r->body)["error_code"]) == "UNAUTHORIZED");
    CHECK(r->headers.get("WWW-Authenticate") == "Bearer");
  }
  auto forbidden = h.place(order_body(), "", kReadOnlyToken);
  REQUIRE(forbidden);
  CHECK(forbidden->status == 403);
  CHECK(str(parse(forbidden->body)["error_code"]) == "FORBIDDEN");

  const auto id = h.place_ok("CUST-AUTH");
  auto read = h.status(id, kReadOnlyToken);
  REQUIRE(read);
  CHECK(read->status == 200);
  auto anonymous = h.status(id, "");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);

  h.set_faults(R"({"placement":{"auth_failure":403}})");
  auto injected = h.place(order_body(), "");
  REQUIRE(injected);
  CHECK(injected->status == 403);
  h.set_faults(R"({"placement":{"auth_failure":null}})");
  auto stats = h.stats();
  CHECK(stats["orders_created"].GetUint64() == 1);
  CHECK(stats["placement_requests"]["unauthorized"].GetUint64() == 2);
  CHECK(stats["placement_requests"]["forbidden"].GetUint64() == 1);
  CHECK(stats["placement_requests"]["injected_auth"].GetUint64() == 1);
}

TEST_CASE("invalid requests: 400 naming the field, 415, 413, and nothing is created", "[component][validation]") {
  Harness h;
  std::string bad = order_body();
  bad.replace(bad.find("\"ADAS_LEVEL_2\""), 14, "\"INVALID_OPTION\"");
  auto r = h.place(bad);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(
      r->body ==
      R"({"error_code":"INVALID_SPECIFICATION","message":"Unknown option code: INVALID_OPTION","field":"vehicle_specification.initial_options[1]"})");

  std::string no_city = order_body();
  no_city.replace(no_city.find("\"city\":\"Madrid\","), 16, "");
  r = h.place(no_city);
  REQUIRE(r);
  CHECK(r->status == 400);
  auto doc = parse(r->body);
  CHECK(str(doc["error_code"]) == "INVALID_REQUEST");
  CHECK(str(doc["field"]) == "delivery_address.city");

  for (const std::string body : {"{", R"({"a":1,"a":2})", "[]"}) {
    r = h.place(body);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(str(parse(r->body)["error_code"]) == "INVALID_REQUEST");
  }
  http::ClientRequest text{"POST", h.base + "/api/v1/orders", {}, order_body()};
  text.headers.set("Authorization", std::string("Bearer ") + kToken);
  text.headers.set("Content-Type", "text/plain");
  r = h.client.request(text);
  REQUIRE(r);
  CHECK(r->status == 415);

  r = h.place(std::string(70 * 1024, ' ') + order_body());
  REQUIRE(r);
  CHECK(r->status == 413);

  r = h.place(order_body(), "key with spaces");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(str(parse(r->body)["field"]) == "Idempotency-Key");

  CHECK(h.stats()["orders_created"].GetUint64() == 0);
  CHECK(h.control("GET", "/control/orders")["orders"].Empty());
}

TEST_CASE("Idempotency-Key: a retry returns the first order, a different body is 409", "[component][idempotency]") {
  Harness h;
  auto first = h.place(order_body("CUST-IDEM"), "order-0001");
  REQUIRE(first);
  REQUIRE(first->status == 201);
  // Same body, other formatting: still the same request.
  auto again = h.place("  " + order_body("CUST-IDEM") + "\n", "order-0001");
  REQUIRE(again);
  CHECK(again->status == 201);
  CHECK(again->body == first->body);

  auto conflict = h.place(order_body("CUST-OTHER"), "order-0001");
  REQUIRE(conflict);
  CHECK(conflict->status == 409);
  CHECK(str(parse(conflict->body)["error_code"]) == "IDEMPOTENCY_KEY_REUSED");

  auto other = h.place(order_body("CUST-IDEM"), "order-0002");
  REQUIRE(other);
  CHECK(other->status == 201);
  CHECK(other->body != first->body);

  auto orders = h.control("GET", "/control/orders");
  REQUIRE(orders["orders"].Size() == 2);
  const auto id = str(parse(first->body)["order_id"]);
  auto order = h.factory_order(id);
  CHECK(str(order["idempotency_key"]) == "order-0001");
  CHECK(order["placement_requests"].GetInt() == 3);
  auto stats = h.stats();
  CHECK(stats["orders_created"].GetUint64() == 2);
  CHECK(stats["duplicate_key_hits"].GetUint64() == 1);
  CHECK(stats["key_conflicts"].GetUint64() == 1);
  CHECK(stats["placement_requests"]["replayed"].GetUint64() == 1);
}

TEST_CASE("every status is delivered in order, signed, with strictly increasing timestamps", "[component][webhooks]") {
  Harness h;
  const auto id = h.place_ok("CUST-FLOW", "flow-1");
  REQUIRE(h.receiver.wait_accepted(id, 7));
  REQUIRE(h.wait_settled(id, "ARRIVED_AT_DEALERSHIP"));
  const auto hooks = h.receiver.accepted(id);
  CHECK(statuses_of(hooks) == kFullPath);
  CHECK(h.receiver.bad_signatures() == 0);
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    auto body = parse(hooks[i].body);
    CHECK(body.MemberCount() == 6);
    CHECK(events::parse_date(str(body["estimated_completion_date"])));
    CHECK(!str(body["notes"]).empty());
    CHECK(!str(body["location"]).empty());
    if (i > 0) CHECK(*events::parse_rfc3339(hooks[i].timestamp) > *events::parse_rfc3339(hooks[i - 1].timestamp));
  }
  // The poll agrees with the webhooks, timestamp for timestamp.
  auto st = parse(h.status(id)->body);
  REQUIRE(st["status_history"].Size() == 7);
  for (rapidjson::SizeType i = 0; i < 7; ++i) CHECK(str(st["status_history"][i]["timestamp"]) == hooks[i].timestamp);
  CHECK(str(st["current_location"]) == "Dealership DEALER-ES-001");
  auto stats = h.stats();
  CHECK(stats["webhooks"]["delivered"].GetUint64() == 7);
  CHECK(stats["webhooks"]["attempts"].GetUint64() == 7);
  CHECK(stats["status_changes"].GetUint64() == 6);
}

TEST_CASE("webhooks are retried on 503 and 404 with backoff, then delivered in order", "[component][webhooks]") {
  Harness h;
  h.receiver.answer_next({503, 404, 503});
  const auto id = h.place_ok("CUST-RETRY");
  REQUIRE(h.wait_settled(id, "ARRIVED_AT_DEALERSHIP"));
  const auto all = h.receiver.all();
  REQUIRE(all.size() >= 4);
  // ORDERED: refused three times, the fourth attempt accepted, nothing overtook it.
  for (int i = 0; i < 4; ++i) CHECK(all[i].status == "ORDERED");
  CHECK(statuses_of(h.receiver.accepted(id)) == kFullPath);
  auto order = h.factory_order(id);
  CHECK(order["webhooks"][0]["attempts"].GetInt() == 4);
  CHECK(str(order["webhooks"][0]["outcome"]) == "delivered");
  auto stats = h.stats();
  CHECK(stats["webhooks"]["retries"].GetUint64() == 3);
  CHECK(stats["webhooks"]["responses"]["503"].GetUint64() == 2);
  CHECK(stats["webhooks"]["responses"]["404"].GetUint64() == 1);
  CHECK(stats["webhooks"]["delivered"].GetUint64() == 7);
}

TEST_CASE("a 400 ends delivery at once, a webhook failing five times is given up", "[component][webhooks]") {
  Harness h([](SimulatorConfig& c) { c.stage_interval = 10min; });  // only ORDERED is sent
  h.receiver.answer_next({400});
  const auto a = h.place_ok("CUST-400");
  REQUIRE(h.wait_settled(a, "ORDERED"));
  CHECK(str(h.factory_order(a)["webhooks"][0]["outcome"]) == "failed");
  CHECK(h.factory_order(a)["webhooks"][0]["attempts"].GetInt() == 1);

  h.receiver.answer_next({503, 503, 503, 503, 503});
  const auto b = h.place_ok("CUST-503");
  REQUIRE(h.wait_settled(b, "ORDERED"));
  const auto order_b = h.factory_order(b);
  const auto& hook = order_b["webhooks"][0];
  CHECK(str(hook["outcome"]) == "failed");
  CHECK(hook["attempts"].GetInt() == 5);
  CHECK(hook["last_http_status"].GetInt() == 503);

  h.set_faults(R"({"webhooks":{"down":true}})");
  const auto c = h.place_ok("CUST-DOWN");
  REQUIRE(h.wait_settled(c, "ORDERED"));
  CHECK(h.factory_order(c)["webhooks"][0]["attempts"].GetInt() == 5);
  auto stats = h.stats();
  CHECK(stats["webhooks"]["failed"].GetUint64() == 3);
  CHECK(stats["webhooks"]["responses"]["down"].GetUint64() == 5);
  CHECK(h.receiver.accepted().empty());
}

TEST_CASE("silent statuses and drops never arrive, polling still finds them, duplicates arrive twice",
          "[component][webhooks][faults]") {
  Harness h;
  h.set_faults(R"({"webhooks":{"silent_statuses":["ASSEMBLY_COMPLETE"],"duplicate_probability":1.0}})");
  const auto id = h.place_ok("CUST-SILENT");
  REQUIRE(h.wait_settled(id, "ARRIVED_AT_DEALERSHIP"));
  const auto got = statuses_of(h.receiver.accepted(id));
  CHECK(got == std::vector<std::string>{"ORDERED", "ORDERED", "IN_PRODUCTION", "IN_PRODUCTION", "QUALITY_CHECK",
                                        "QUALITY_CHECK", "READY_FOR_SHIPMENT", "READY_FOR_SHIPMENT", "SHIPPED",
                                        "SHIPPED", "ARRIVED_AT_DEALERSHIP", "ARRIVED_AT_DEALERSHIP"});
  auto st = parse(h.status(id)->body);
  CHECK(str(st["status_history"][2]["status"]) == "ASSEMBLY_COMPLETE");  // only polling shows it

  h.set_faults(R"({"webhooks":{"silent_statuses":[],"duplicate_probability":0.0,"drop_probability":1.0}})");
  const auto dropped = h.place_ok("CUST-DROP");
  REQUIRE(h.wait_settled(dropped, "ARRIVED_AT_DEALERSHIP"));
  CHECK(h.receiver.accepted(dropped).empty());
  CHECK(parse(h.status(dropped)->body)["status_history"].Size() == 7);

  const auto doc = h.stats();
  const auto& stats = doc["webhooks"];
  CHECK(stats["silent"].GetUint64() == 1);
  CHECK(stats["duplicated"].GetUint64() == 6);
  CHECK(stats["dropped"].GetUint64() == 7);
  CHECK(stats["delivered"].GetUint64() == 12);
  CHECK(stats["generated"].GetUint64() == 14);
}

TEST_CASE("reordered webhooks overtake each other but all arrive", "[component][webhooks][faults]") {
  Harness h;
  h.set_faults(R"({"webhooks":{"reorder_probability":1.0}})");
  const auto id = h.place_ok("CUST-REORDER");
  REQUIRE(h.wait_settled(id, "ARRIVED_AT_DEALERSHIP"));
  // Every webhook asked to be held: each held one is overtaken by the next
  // (which is then not held itself), so the statuses arrive in swapped pairs
  // and the final one alone after its hold.
  CHECK(statuses_of(h.receiver.accepted(id)) ==
        std::vector<std::string>{"IN_PRODUCTION", "ORDERED", "QUALITY_CHECK", "ASSEMBLY_COMPLETE", "SHIPPED",
                                 "READY_FOR_SHIPMENT", "ARRIVED_AT_DEALERSHIP"});
  auto order = h.factory_order(id);
  int reordered = 0;
  for (const auto& w : order["webhooks"].GetArray()) reordered += w["reordered"].GetBool() ? 1 : 0;
  CHECK(reordered == 4);
  CHECK(h.stats()["webhooks"]["reordered"].GetUint64() == 4);
}

TEST_CASE("a failed quality check reworks the order once, reported and polled", "[component][production]") {
  Harness h;
  h.set_faults(R"({"production":{"qc_failure_probability":1.0}})");
  const auto id = h.place_ok("CUST-QC");
  REQUIRE(h.wait_settled(id, "ARRIVED_AT_DEALERSHIP"));
  const std::vector<std::string> expected{
      "ORDERED",           "IN_PRODUCTION", "ASSEMBLY_COMPLETE",  "QUALITY_CHECK", "IN_PRODUCTION",
      "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT", "SHIPPED",       "ARRIVED_AT_DEALERSHIP"};
  CHECK(statuses_of(h.receiver.accepted(id)) == expected);
  auto st = parse(h.status(id)->body);
  REQUIRE(st["status_history"].Size() == expected.size());
  CHECK(h.factory_order(id)["reworked"].GetBool());
  CHECK(h.stats()["qc_failures"].GetUint64() == 1);
}

TEST_CASE("a paused line holds every order until resumed", "[component][production]") {
  Harness h;
  h.set_faults(R"({"production":{"paused":true}})");
  const auto id = h.place_ok("CUST-PAUSE");
  REQUIRE(h.receiver.wait_accepted(id, 1));
  CHECK_FALSE(h.wait_settled(id, "IN_PRODUCTION", 300ms));
  h.set_faults(R"({"production":{"paused":false}})");
  CHECK(h.wait_settled(id, "ARRIVED_AT_DEALERSHIP"));
}

namespace {

void require_client_timeout(Harness& h, const std::string& customer, const std::string& key,
                            std::chrono::milliseconds timeout) {
  auto r = h.place(order_body(customer), key, kToken, timeout);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == http::ClientErrc::timeout);
}

}  // namespace

TEST_CASE("placement faults: scripted errors, latency and held answers", "[component][faults]") {
  Harness h([](SimulatorConfig& c) { c.hold = 1500ms; });
  h.set_faults(R"({"placement":{"next_errors":[503,500,"timeout"]}})");
  auto r = h.place(order_body("CUST-F"), "faulty-1");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->headers.get("Retry-After") == "1");
  CHECK(str(parse(r->body)["error_code"]) == "SERVICE_UNAVAILABLE");
  r = h.place(order_body("CUST-F"), "faulty-1");
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(h.stats()["orders_created"].GetUint64() == 0);

  // "timeout": the order is made but the answer comes too late for the client.
  require_client_timeout(h, "CUST-F", "faulty-1", 300ms);
  // The client retries with the same key and gets the order made meanwhile.
  const auto id = h.place_ok("CUST-F", "faulty-1");
  const auto all = h.control("GET", "/control/orders");
  REQUIRE(all["orders"].Size() == 1);
  CHECK(all["orders"][0]["placement_requests"].GetInt() == 4);
  CHECK(str(all["orders"][0]["order_id"]) == id);

  h.set_faults(R"({"placement":{"latency_ms":400}})");
  const auto started = std::chrono::steady_clock::now();
  require_client_timeout(h, "CUST-SLOW", "slow-1", 150ms);
  h.place_ok("CUST-SLOW", "slow-1");
  CHECK(std::chrono::steady_clock::now() - started >= 400ms);

  h.set_faults(R"({"placement":{"latency_ms":0,"reject_400_probability":1.0}})");
  r = h.place(order_body("CUST-REJECT"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(str(parse(r->body)["error_code"]) == "INVALID_SPECIFICATION");

  const auto doc = h.stats();
  const auto& stats = doc["placement_requests"];
  CHECK(stats["injected_error"].GetUint64() == 3);
  CHECK(stats["injected_timeout"].GetUint64() == 1);
}

TEST_CASE("status query faults answer the poller with errors", "[component][faults]") {
  Harness h;
  const auto id = h.place_ok("CUST-POLL");
  h.set_faults(R"({"status_query":{"next_errors":[502]}})");
  auto r = h.status(id);
  REQUIRE(r);
  CHECK(r->status == 502);
  r = h.status(id);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(h.stats()["status_queries"]["injected_error"].GetUint64() == 1);
}

TEST_CASE("control API: partial fault updates, refusals, reset", "[component][control]") {
  Harness h;
  auto plan = h.control("POST", "/control/faults", R"({"placement":{"error_probability":0.25}})");
  CHECK(plan["placement"]["error_probability"].GetDouble() == 0.25);
  plan = h.control("POST", "/control/faults", R"({"webhooks":{"drop_probability":0.5}})");
  CHECK(plan["placement"]["error_probability"].GetDouble() == 0.25);  // kept
  CHECK(plan["webhooks"]["drop_probability"].GetDouble() == 0.5);
  CHECK(h.control("GET", "/control/faults")["webhooks"]["drop_probability"].GetDouble() == 0.5);

  auto refused = h.control("POST", "/control/faults", R"({"webhooks":{"drop":0.5}})", 400);
  CHECK(str(refused["field"]) == "webhooks.drop");
  h.control("POST", "/control/faults", "{not json", 400);

  h.place_ok("CUST-CTL", "ctl-1");
  auto reset = h.control("POST", "/control/reset");
  CHECK_FALSE(reset["orders_cleared"].GetBool());
  CHECK(h.control("GET", "/control/faults")["webhooks"]["drop_probability"].GetDouble() == 0.0);
  CHECK(h.stats()["orders_created"].GetUint64() == 0);
  CHECK(h.control("GET", "/control/orders")["orders"].Size() == 1);
  h.control("POST", "/control/reset?orders=true");
  CHECK(h.control("GET", "/control/orders")["orders"].Empty());
  h.control("GET", "/control/orders/FAC-2024-000001", {}, 404);
}

TEST_CASE("health and metrics are served", "[component][ops]") {
  Harness h;
  h.place_ok("CUST-OPS");
  auto health = h.client.request({"GET", h.base + "/healthz", {}, {}});
  REQUIRE(health);
  CHECK(health->status == 200);
  // The receiver has the webhook before the simulator counted its answer:
  // wait for the counter itself.
  std::string text;
  CHECK(caas::testing::eventually(
      [&] {
        auto m = h.client.request({"GET", h.base + "/metrics", {}, {}});
        text = m ? m->body : std::string();
        return text.find("factory_sim_webhook_attempts_total{response=\"200\"} 1") != std::string::npos;
      },
      5s));
  CHECK(text.find("factory_sim_orders_created_total 1") != std::string::npos);
  CHECK(text.find("factory_sim_placement_requests_total{outcome=\"created\"} 1") != std::string::npos);
  CHECK(text.find("factory_sim_webhooks_total{outcome=\"delivered\"} 1") != std::string::npos);
  CHECK(text.find("http_requests_total") != std::string::npos);
}
