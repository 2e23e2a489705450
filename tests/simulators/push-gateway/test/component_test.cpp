// Component tests: the simulator in process on an ephemeral port, driven over
// real HTTP with caas::http::HttpClient — every status of the contract,
// idempotency, each fault, held requests timing out on the client while other
// requests proceed, many concurrent keep-alive clients, the control API.
#include "harness.hpp"

#include <caas/events/time.hpp>

#include <atomic>
#include <future>
#include <regex>
#include <set>
#include <thread>
#include <vector>

using namespace caas;
using namespace caas::push_sim;
using namespace caas::push_sim::test;

namespace {

std::string error_of(const Result<http::Response>& r) {
  REQUIRE(r);
  return str(parse(r->body)["error"]);
}

void require_client_timeout(const Result<http::Response>& r) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == http::ClientErrc::timeout);
}

}  // namespace

TEST_CASE("a valid message is accepted (202) and recorded as delivered", "[component][api]") {
  Harness h;
  auto r = h.send(message_body("CAAS-CUST-1"), "notif-ORD-1-order_confirmed");
  REQUIRE(r);
  REQUIRE(r->status == 202);
  CHECK(r->headers.get("Content-Type") == "application/json");
  auto doc = parse(r->body);
  CHECK(doc.MemberCount() == 3);
  const auto id = str(doc["message_id"]);
  CHECK(std::regex_match(id, std::regex("psh-[0-9a-f]{16}")));
  CHECK(str(doc["status"]) == "accepted");
  CHECK_FALSE(doc["duplicate"].GetBool());

  auto messages = h.messages();
  REQUIRE(messages["messages"].Size() == 1);
  const auto& m = messages["messages"][0];
  CHECK(m.MemberCount() == 8);
  CHECK(str(m["message_id"]) == id);
  CHECK(str(m["idempotency_key"]) == "notif-ORD-1-order_confirmed");
  CHECK(str(m["customer_id"]) == "CAAS-CUST-1");
  CHECK(str(m["title"]) == "Pedido confirmado");
  CHECK(str(m["body"]) == "Tu pedido ORD-1 está confirmado");
  CHECK(str(m["language"]) == "es");
  CHECK(str(m["data"]["type"]) == "order_confirmed");
  CHECK(str(m["data"]["order_id"]) == "ORD-1");
  CHECK(std::regex_match(str(m["received_at"]), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(events::parse_rfc3339(str(m["received_at"])));

  // The second token works as well.
  auto second = h.send(message_body("CAAS-CUST-2"), "k-2", "second-token");
  REQUIRE(second);
  CHECK(second->status == 202);
}

TEST_CASE("Bearer token: 401 when missing or malformed, 403 when unknown, nothing recorded", "[component][auth]") {
  Harness h;
  for (const std::string header : {"", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", kToken}) {
    auto req = message_request(h.base, message_body(), "k-auth", "");
    if (!header.empty()) req.headers.set("Authorization", header);
    auto r = h.client.request(req);
    REQUIRE(r);
    INFO(header);
    CHECK(r->status == 401);
    CHECK(error_of(r) == "UNAUTHORIZED");
    CHECK(parse(r->body).HasMember("message"));
    CHECK(r->headers.get("WWW-Authenticate") == "Bearer");
  }
  auto unknown = h.send(message_body(), "k-auth", "not-a-token");
  REQUIRE(unknown);
  CHECK(unknown->status == 403);
  CHECK(error_of(unknown) == "FORBIDDEN");

  CHECK(h.messages()["messages"].Empty());
  auto stats = h.stats();
  CHECK(stats["requests"].GetUint64() == 6);
  CHECK(stats["accepted"].GetUint64() == 0);
  CHECK(stats["rejected"]["401"].GetUint64() == 5);
  CHECK(stats["rejected"]["403"].GetUint64() == 1);
}

TEST_CASE("invalid requests: 400 INVALID_REQUEST naming the field, nothing recorded", "[component][validation]") {
  Harness h;
  auto expect_400 = [&](const std::string& body, const std::string& key, const std::string& field) {
    auto r = h.send(body, key);
    REQUIRE(r);
    INFO(body << " key=" << key << " → " << r->body);
    CHECK(r->status == 400);
    auto doc = parse(r->body);
    CHECK(str(doc["error"]) == "INVALID_REQUEST");
    CHECK(!str(doc["message"]).empty());
    REQUIRE(doc.HasMember("field"));
    CHECK(str(doc["field"]) == field);
  };
  // Idempotency-Key: required, 1..128 printable ASCII, once.
  expect_400(message_body(), "", "Idempotency-Key");
  expect_400(message_body(), std::string(129, 'k'), "Idempotency-Key");
  auto twice = message_request(h.base, message_body(), "k-1");
  twice.headers.add("Idempotency-Key", "k-2");
  auto r = h.client.request(twice);
  REQUIRE(r);
  CHECK(r->status == 400);

  // Body.
  expect_400("{", "k-json", "");
  expect_400(R"({"recipient":{"customer_id":"a"},"recipient":{"customer_id":"b"}})", "k-dup", "");
  expect_400("[]", "k-array", "");
  expect_400(R"({"notification":{"title":"t","body":"b"},"language":"es"})", "k-1", "recipient");
  expect_400(message_body(""), "k-2", "recipient.customer_id");
  expect_400(message_body(std::string(129, 'c')), "k-3", "recipient.customer_id");
  expect_400(message_body("CAAS-CUST-1", ""), "k-4", "notification.title");
  expect_400(message_body("CAAS-CUST-1", std::string(201, 't')), "k-5", "notification.title");
  std::string long_body = message_body();
  long_body.replace(long_body.find("Tu pedido"), 9, std::string(4001, 'b'));
  expect_400(long_body, "k-6", "notification.body");
  std::string french = message_body();
  french.replace(french.find("\"es\""), 4, "\"fr\"");
  expect_400(french, "k-7", "language");
  std::string number = message_body();
  number.replace(number.find("\"ORD-1\"}"), 7, "1");
  expect_400(number, "k-8", "data.order_id");
  std::string many =
      R"({"recipient":{"customer_id":"c"},"notification":{"title":"t","body":"b"},"language":"en","data":{)";
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
  expect_400(many + "}}", "k-9", "data");

  // Larger than the body limit: the server's 413.
  r = h.send(std::string(70 * 1024, ' ') + message_body(), "k-big");
  REQUIRE(r);
  CHECK(r->status == 413);

  CHECK(h.messages()["messages"].Empty());
  CHECK(h.stats()["accepted"].GetUint64() == 0);
}

TEST_CASE("Idempotency-Key: a retry is a 200 duplicate, not delivered again, another body is 409",
          "[component][idempotency]") {
  Harness h;
  auto first = h.send(message_body("CUST-IDEM"), "notif-1");
  REQUIRE(first);
  REQUIRE(first->status == 202);
  const auto id = str(parse(first->body)["message_id"]);

  // Same content, other formatting and member order: the same request.
  const std::string reordered =
      R"( {"language":"es","data":{"order_id":"ORD-1","type":"order_confirmed"},
          "notification":{"body":"Tu pedido ORD-1 está confirmado","title":"Pedido confirmado"},
          "recipient":{"customer_id":"CUST-IDEM"}} )";
  for (const auto& body : {message_body("CUST-IDEM"), reordered}) {
    auto again = h.send(body, "notif-1");
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(again->body == R"({"message_id":")" + id + R"(","status":"accepted","duplicate":true})");
  }

  auto conflict = h.send(message_body("CUST-IDEM", "Otro título"), "notif-1");
  REQUIRE(conflict);
  CHECK(conflict->status == 409);
  CHECK(error_of(conflict) == "IDEMPOTENCY_KEY_REUSED");

  auto other_key = h.send(message_body("CUST-IDEM"), "notif-2");
  REQUIRE(other_key);
  CHECK(other_key->status == 202);
  CHECK(str(parse(other_key->body)["message_id"]) != id);

  auto messages = h.messages();
  REQUIRE(messages["messages"].Size() == 2);
  CHECK(str(messages["messages"][0]["message_id"]) == id);
  auto stats = h.stats();
  CHECK(stats["requests"].GetUint64() == 5);
  CHECK(stats["accepted"].GetUint64() == 2);
  CHECK(stats["duplicates"].GetUint64() == 2);
  CHECK(stats["rejected"]["409"].GetUint64() == 1);
}

TEST_CASE("unregistered recipients get 404 RECIPIENT_NOT_FOUND, the messages read-out filters by customer",
          "[component][recipients]") {
  Harness h;
  h.send_ok("CUST-A", "a-1");
  auto marked = h.control("POST", "/control/recipients/unregistered", R"({"customer_ids":["CUST-GONE","CUST-X"]})");
  CHECK(marked["unregistered"].GetUint64() == 2);
  auto gone = h.send(message_body("CUST-GONE"), "gone-1");
  REQUIRE(gone);
  CHECK(gone->status == 404);
  CHECK(error_of(gone) == "RECIPIENT_NOT_FOUND");
  h.send_ok("CUST-B", "b-1");
  h.send_ok("CUST-A", "a-2");

  auto a = h.messages("?customer_id=CUST-A");
  REQUIRE(a["messages"].Size() == 2);
  CHECK(str(a["messages"][0]["idempotency_key"]) == "a-1");
  CHECK(str(a["messages"][1]["idempotency_key"]) == "a-2");
  CHECK(h.messages("?customer_id=CUST-GONE")["messages"].Empty());
  CHECK(h.messages()["messages"].Size() == 3);
  CHECK(h.stats()["rejected"]["404"].GetUint64() == 1);

  h.control("POST", "/control/recipients/unregistered", R"({"customer_ids":"CUST-A"})", 400);
  h.control("POST", "/control/recipients/unregistered", R"({"customer_ids":[""]})", 400);
  h.control("POST", "/control/recipients/unregistered", "nope", 400);
}

TEST_CASE("faults: down answers 503 with Retry-After and records nothing", "[component][faults]") {
  Harness h;
  h.set_faults(R"({"down":true})");
  for (const std::string token : {kToken, "bad-token"}) {  // every /v1 request, before authentication
    auto r = h.send(message_body(), "down-1", token);
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(error_of(r) == "UNAVAILABLE");
    CHECK(r->headers.get("Retry-After") == "1");
  }
  CHECK(h.control("GET", "/control/faults")["down"].GetBool());
  h.set_faults(R"({"down":false})");
  auto r = h.send(message_body(), "down-1");
  REQUIRE(r);
  CHECK(r->status == 202);  // nothing was recorded under that key
  auto stats = h.stats();
  CHECK(stats["rejected"]["503"].GetUint64() == 2);
  CHECK(stats["accepted"].GetUint64() == 1);
  CHECK(h.messages()["messages"].Size() == 1);
}

TEST_CASE("faults: fail_next in order (429 with Retry-After), fail_rate with fail_status", "[component][faults]") {
  Harness h;
  auto plan = h.control("POST", "/control/faults", R"({"fail_next":[503,500,429]})");
  CHECK(plan["fail_next"].Size() == 3);
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    auto r = h.send(message_body(), "retry-me");
    REQUIRE(r);
    statuses.push_back(r->status);
    if (r->status == 429) {
      CHECK(r->headers.get("Retry-After") == "1");
      CHECK(error_of(r) == "RATE_LIMITED");
    }
    if (r->status == 500) CHECK_FALSE(r->headers.get("Retry-After"));
  }
  CHECK(statuses == std::vector<int>{503, 500, 429, 202});
  CHECK(h.messages()["messages"].Size() == 1);
  CHECK(h.control("GET", "/control/faults")["fail_next"].Empty());

  h.set_faults(R"({"fail_rate":1.0,"fail_status":502})");
  auto r = h.send(message_body("CUST-R"), "rate-1");
  REQUIRE(r);
  CHECK(r->status == 502);
  h.set_faults(R"({"fail_rate":0.0})");
  CHECK(h.control("GET", "/control/faults")["fail_status"].GetInt() == 502);  // kept
  h.send_ok("CUST-R", "rate-1");

  auto stats = h.stats();
  CHECK(stats["requests"].GetUint64() == 6);
  CHECK(stats["accepted"].GetUint64() == 2);
  CHECK(stats["rejected"]["503"].GetUint64() == 1);
  CHECK(stats["rejected"]["500"].GetUint64() == 1);
  CHECK(stats["rejected"]["429"].GetUint64() == 1);
  CHECK(stats["rejected"]["502"].GetUint64() == 1);
}

TEST_CASE("faults: latency delays every answer, a short client timeout fails and the retry is a duplicate",
          "[component][faults]") {
  Harness h;
  h.set_faults(R"({"latency_ms":400})");
  require_client_timeout(h.send(message_body("CUST-SLOW"), "slow-1", kToken, 150ms));
  const auto started = std::chrono::steady_clock::now();
  auto r = h.send(message_body("CUST-SLOW"), "slow-1");
  REQUIRE(r);
  CHECK(std::chrono::steady_clock::now() - started >= 400ms);
  // The work is done at once, only the answer is late: the first attempt was delivered.
  CHECK(r->status == 200);
  CHECK(parse(r->body)["duplicate"].GetBool());
  auto unauthorized = h.send(message_body(), "slow-2", "");
  REQUIRE(unauthorized);
  CHECK(unauthorized->status == 401);
  CHECK(std::chrono::steady_clock::now() - started >= 800ms);
  CHECK(h.messages()["messages"].Size() == 1);
}

TEST_CASE("hold_next: the client times out, nothing was delivered, the retry is delivered", "[component][faults]") {
  Harness h;
  h.set_faults(R"({"hold_next":1})");
  require_client_timeout(h.send(message_body("CUST-H"), "held-1", kToken, 300ms));
  CHECK(h.messages()["messages"].Empty());
  CHECK(h.control("GET", "/control/faults")["hold_next"].GetUint64() == 0);
  auto retry = h.send(message_body("CUST-H"), "held-1");
  REQUIRE(retry);
  CHECK(retry->status == 202);
  CHECK_FALSE(parse(retry->body)["duplicate"].GetBool());
  auto stats = h.stats();
  CHECK(stats["requests"].GetUint64() == 2);
  CHECK(stats["held"].GetUint64() == 1);
  CHECK(stats["accepted"].GetUint64() == 1);
  CHECK(stats["rejected"].ObjectEmpty());
}

TEST_CASE("accept_then_hold_next: delivered, the client times out, the retry gets duplicate:true",
          "[component][faults]") {
  Harness h;
  h.set_faults(R"({"accept_then_hold_next":1})");
  require_client_timeout(h.send(message_body("CUST-AH"), "ah-1", kToken, 300ms));
  auto messages = h.messages();
  REQUIRE(messages["messages"].Size() == 1);
  const auto id = str(messages["messages"][0]["message_id"]);
  auto retry = h.send(message_body("CUST-AH"), "ah-1");
  REQUIRE(retry);
  CHECK(retry->status == 200);
  auto doc = parse(retry->body);
  CHECK(str(doc["message_id"]) == id);
  CHECK(doc["duplicate"].GetBool());
  CHECK(h.messages()["messages"].Size() == 1);
  auto stats = h.stats();
  CHECK(stats["accepted"].GetUint64() == 1);
  CHECK(stats["duplicates"].GetUint64() == 1);
  CHECK(stats["held"].GetUint64() == 1);
}

TEST_CASE("a patient client gets the held answer when the hold ends: 504 or the real one", "[component][faults]") {
  Harness h([](SimulatorConfig& c) { c.hold = 300ms; });
  h.set_faults(R"({"hold_next":1,"accept_then_hold_next":1})");
  const auto started = std::chrono::steady_clock::now();
  auto held = h.send(message_body("CUST-P"), "p-1");
  REQUIRE(held);
  CHECK(held->status == 504);
  CHECK(error_of(held) == "GATEWAY_TIMEOUT");
  auto late = h.send(message_body("CUST-P"), "p-1");
  REQUIRE(late);
  CHECK(late->status == 202);
  CHECK(std::chrono::steady_clock::now() - started >= 600ms);
}

TEST_CASE("held requests time out on the client while other requests proceed", "[component][concurrency]") {
  Harness h;  // hold 3 s
  h.set_faults(R"({"hold_next":4})");
  std::vector<std::future<Result<http::Response>>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::async(std::launch::async, [&h, i] {
      return h.send(message_body("CUST-HELD"), "held-" + std::to_string(i), kToken, 1500ms);
    }));
  }
  REQUIRE(caas::testing::eventually([&] { return h.stats()["held"].GetUint64() == 4; }, 5s));
  // Four requests are parked: the others are answered at once all the same.
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) h.send_ok("CUST-FREE", "free-" + std::to_string(i));
  CHECK(std::chrono::steady_clock::now() - started < 1500ms);
  for (auto& f : held) require_client_timeout(f.get());
  CHECK(h.messages("?customer_id=CUST-HELD")["messages"].Empty());
  CHECK(h.messages("?customer_id=CUST-FREE")["messages"].Size() == 20);
}

TEST_CASE("many concurrent keep-alive clients are all served", "[component][concurrency]") {
  Harness h;
  constexpr int kClients = 16;
  constexpr int kPerClient = 25;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&h, &accepted, c] {
      http::HttpClient client;  // one keep-alive connection per client
      for (int i = 0; i < kPerClient; ++i) {
        const std::string key = "c" + std::to_string(c) + "-" + std::to_string(i);
        auto r = client.request(message_request(h.base, message_body("CUST-" + std::to_string(c)), key), 5s);
        if (r && r->status == 202) ++accepted;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(accepted.load() == kClients * kPerClient);
  auto messages = h.messages();
  REQUIRE(messages["messages"].Size() == kClients * kPerClient);
  std::set<std::string> ids;
  for (const auto& m : messages["messages"].GetArray()) ids.insert(str(m["message_id"]));
  CHECK(ids.size() == kClients * kPerClient);
  CHECK(h.stats()["requests"].GetUint64() == kClients * kPerClient);
}

TEST_CASE("bounded memory: beyond max_messages the gateway answers 507", "[component][capacity]") {
  Harness h([](SimulatorConfig& c) { c.max_messages = 2; });
  h.send_ok("CUST-A", "cap-1");
  h.send_ok("CUST-A", "cap-2");
  auto full = h.send(message_body("CUST-A"), "cap-3");
  REQUIRE(full);
  CHECK(full->status == 507);
  CHECK(error_of(full) == "INSUFFICIENT_STORAGE");
  auto replay = h.send(message_body("CUST-A"), "cap-2");
  REQUIRE(replay);
  CHECK(replay->status == 200);  // retries of what was delivered still work
  CHECK(h.stats()["rejected"]["507"].GetUint64() == 1);
}

TEST_CASE("control API: partial fault updates, refusals, reset, stats", "[component][control]") {
  Harness h;
  auto plan = h.control("POST", "/control/faults", R"({"latency_ms":5,"fail_status":500})");
  CHECK(plan["latency_ms"].GetInt() == 5);
  plan = h.control("POST", "/control/faults", R"({"hold_next":3})");
  CHECK(plan["latency_ms"].GetInt() == 5);  // kept
  CHECK(plan["fail_status"].GetInt() == 500);
  CHECK(plan["hold_next"].GetUint64() == 3);
  CHECK(plan["down"].IsFalse());
  CHECK(plan["fail_rate"].GetDouble() == 0.0);
  CHECK(plan["accept_then_hold_next"].GetUint64() == 0);

  auto refused = h.control("POST", "/control/faults", R"({"latency_ms":5,"dwn":true})", 400);
  CHECK(str(refused["error"]) == "INVALID_REQUEST");
  CHECK(str(refused["field"]) == "dwn");
  CHECK(str(h.control("POST", "/control/faults", R"({"fail_next":[200]})", 400)["field"]) == "fail_next[0]");
  h.control("POST", "/control/faults", "{not json", 400);
  h.control("POST", "/control/faults", "[1]", 400);

  h.set_faults(R"({"hold_next":0,"latency_ms":0})");
  h.send_ok("CUST-C", "ctl-1");
  h.control("POST", "/control/recipients/unregistered", R"({"customer_ids":["CUST-D"]})");
  h.set_faults(R"({"down":true})");
  CHECK(h.send(message_body("CUST-C"), "ctl-2")->status == 503);

  CHECK(h.control("POST", "/control/reset")["reset"].GetBool());
  CHECK(h.messages()["messages"].Empty());
  auto faults = h.control("GET", "/control/faults");
  CHECK_FALSE(faults["down"].GetBool());
  CHECK(faults["fail_status"].GetInt() == 503);
  CHECK(events::to_json(h.stats()) == R"({"requests":0,"accepted":0,"duplicates":0,"rejected":{},"held":0})");
  // Keys are forgotten with the messages; recipients are registered again.
  CHECK(h.send(message_body("CUST-C"), "ctl-1")->status == 202);
  CHECK(h.send(message_body("CUST-D"), "ctl-3")->status == 202);
}

TEST_CASE("health and metrics are served", "[component][ops]") {
  Harness h;
  h.send_ok("CUST-OPS", "ops-1");
  auto health = h.client.request({"GET", h.base + "/healthz", {}, {}});
  REQUIRE(health);
  CHECK(health->status == 200);
  auto metrics = h.client.request({"GET", h.base + "/metrics", {}, {}});
  REQUIRE(metrics);
  CHECK(metrics->body.find("push_sim_requests_total{outcome=\"accepted\"} 1") != std::string::npos);
  CHECK(metrics->body.find("push_sim_messages_stored 1") != std::string::npos);
  CHECK(metrics->body.find("http_requests_total") != std::string::npos);
}
