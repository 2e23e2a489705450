// Unit tests of the pure parts: request validation, header syntax, the
// message book (idempotency, unregistered recipients, bound, ids), the fault
// plan (patches, draw order, seeded draws), stats and answer bodies.
#include "domain/fault_plan.hpp"
#include "domain/message_book.hpp"
#include "domain/push_request.hpp"
#include "domain/stats.hpp"
#include "domain/views.hpp"

#include <caas/events/json.hpp>

#include <rapidjson/pointer.h>
#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace caas;
using namespace caas::push_sim;
using namespace std::chrono_literals;

namespace {

const char* kValidBody = R"({
  "recipient": {"customer_id": "CAAS-CUST-1"},
  "notification": {"title": "Pedido confirmado", "body": "Tu pedido ORD-1 está confirmado"},
  "language": "es",
  "data": {"type": "order_confirmed", "order_id": "ORD-1"}
})";

rapidjson::Document parse(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  REQUIRE(doc);
  return std::move(*doc);
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

/// The valid body with one JSON pointer replaced (or removed when value is null).
rapidjson::Document body_with(const char* pointer, const std::optional<std::string>& value_json) {
  auto doc = parse(kValidBody);
  rapidjson::Pointer p(pointer);
  if (!value_json) {
    p.Erase(doc);
  } else {
    auto v = parse(*value_json);
    p.Set(doc, rapidjson::Value(v, doc.GetAllocator()));
  }
  return doc;
}

ApiError error_of(const rapidjson::Value& doc) {
  auto r = validate_push_request(doc);
  REQUIRE(std::holds_alternative<ApiError>(r));
  return std::get<ApiError>(r);
}

std::string field_of(const char* pointer, const std::optional<std::string>& value_json) {
  auto e = error_of(body_with(pointer, value_json));
  CHECK(e.status == 400);
  CHECK(e.error == "INVALID_REQUEST");
  REQUIRE(e.field);
  return *e.field;
}

bool valid_with(const char* pointer, const std::optional<std::string>& value_json) {
  return std::holds_alternative<PushRequest>(validate_push_request(body_with(pointer, value_json)));
}

PushRequest valid_request(const std::string& customer = "CAAS-CUST-1") {
  auto r = validate_push_request(body_with("/recipient/customer_id", quoted(customer)));
  REQUIRE(std::holds_alternative<PushRequest>(r));
  return std::get<PushRequest>(r);
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

const TimePoint kNow = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'000'000'123));

}  // namespace

TEST_CASE("a notification-service request is valid and read field by field", "[unit][validation]") {
  auto r = validate_push_request(parse(kValidBody));
  REQUIRE(std::holds_alternative<PushRequest>(r));
  const auto& req = std::get<PushRequest>(r);
  CHECK(req.customer_id == "CAAS-CUST-1");
  CHECK(req.title == "Pedido confirmado");
  CHECK(req.body == "Tu pedido ORD-1 está confirmado");
  CHECK(req.language == "es");
  CHECK(req.data == std::map<std::string, std::string>{{"order_id", "ORD-1"}, {"type", "order_confirmed"}});

  CHECK(valid_with("/data", std::nullopt));  // data is optional
  CHECK(valid_with("/data", "null"));
  CHECK(valid_with("/language", quoted("en")));
  CHECK(valid_with("/extra", R"({"future":"member"})"));  // unknown members tolerated
}

TEST_CASE("every violation is INVALID_REQUEST naming the first bad member", "[unit][validation]") {
  CHECK(field_of("/recipient", std::nullopt) == "recipient");
  CHECK(field_of("/recipient", "\"CAAS-CUST-1\"") == "recipient");
  CHECK(field_of("/recipient/customer_id", std::nullopt) == "recipient.customer_id");
  CHECK(field_of("/recipient/customer_id", quoted("")) == "recipient.customer_id");
  CHECK(field_of("/recipient/customer_id", "42") == "recipient.customer_id");
  CHECK(field_of("/recipient/customer_id", quoted(repeat("c", 129))) == "recipient.customer_id");
  CHECK(valid_with("/recipient/customer_id", quoted(repeat("c", 128))));

  CHECK(field_of("/notification", std::nullopt) == "notification");
  CHECK(field_of("/notification", "[]") == "notification");
  CHECK(field_of("/notification/title", std::nullopt) == "notification.title");
  CHECK(field_of("/notification/title", quoted("")) == "notification.title");
  CHECK(field_of("/notification/title", "true") == "notification.title");
  CHECK(field_of("/notification/title", quoted(repeat("t", 201))) == "notification.title");
  CHECK(valid_with("/notification/title", quoted(repeat("t", 200))));
  // Characters, not bytes: 200 "ñ" are 400 bytes and still fit.
  CHECK(valid_with("/notification/title", quoted(repeat("ñ", 200))));
  CHECK(field_of("/notification/title", quoted(repeat("ñ", 201))) == "notification.title");

  CHECK(field_of("/notification/body", std::nullopt) == "notification.body");
  CHECK(field_of("/notification/body", quoted("")) == "notification.body");
  CHECK(field_of("/notification/body", quoted(repeat("b", 4001))) == "notification.body");
  CHECK(valid_with("/notification/body", quoted(repeat("b", 4000))));

  CHECK(field_of("/language", std::nullopt) == "language");
  CHECK(field_of("/language", quoted("fr")) == "language");
  CHECK(field_of("/language", quoted("ES")) == "language");
  CHECK(field_of("/language", "1") == "language");

  CHECK(field_of("/data", "[]") == "data");
  CHECK(field_of("/data", quoted("x")) == "data");
  CHECK(field_of("/data/order_id", "17") == "data.order_id");
  CHECK(field_of("/data/nested", R"({"a":"b"})") == "data.nested");
  std::string data32 = "{";
  for (int i = 0; i < 32; ++i) data32 += (i ? "," : "") + quoted("k" + std::to_string(i)) + ":\"v\"";
  CHECK(valid_with("/data", data32 + "}"));
  CHECK(field_of("/data", data32 + R"(,"k32":"v"})") == "data");

  // Not an object at all: field "".
  for (const char* text : {"[]", "\"text\"", "null", "12"}) {
    auto e = error_of(parse(text));
    CHECK(e.field == std::optional<std::string>(""));
  }
}

TEST_CASE("error bodies have the contract's shape", "[unit][errors]") {
  CHECK(invalid_request("notification.title", "too long").to_json() ==
        R"({"error":"INVALID_REQUEST","message":"too long","field":"notification.title"})");
  CHECK(invalid_request("", "Malformed JSON").to_json() ==
        R"({"error":"INVALID_REQUEST","message":"Malformed JSON","field":""})");
  CHECK(ApiError{403, "FORBIDDEN", "Unknown API token", std::nullopt}.to_json() ==
        R"({"error":"FORBIDDEN","message":"Unknown API token"})");
  CHECK(injected_error(503).error == "UNAVAILABLE");
  CHECK(injected_error(429).error == "RATE_LIMITED");
  CHECK(injected_error(507).error == "INSUFFICIENT_STORAGE");
  CHECK(injected_error(418).status == 418);
  CHECK(carries_retry_after(429));
  CHECK(carries_retry_after(503));
  CHECK_FALSE(carries_retry_after(500));
}

TEST_CASE("Idempotency-Key syntax and the Bearer scheme", "[unit][headers]") {
  CHECK(valid_idempotency_key("notif-ORD-1-order_confirmed"));
  CHECK(valid_idempotency_key("a b"));
  CHECK(valid_idempotency_key(repeat("k", 128)));
  CHECK_FALSE(valid_idempotency_key(""));
  CHECK_FALSE(valid_idempotency_key(repeat("k", 129)));
  CHECK_FALSE(valid_idempotency_key("tab\there"));
  CHECK_FALSE(valid_idempotency_key("ñ"));

  CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
  CHECK(bearer_token("bearer abc") == std::optional<std::string_view>("abc"));
  CHECK_FALSE(bearer_token(std::nullopt));
  CHECK_FALSE(bearer_token("Bearer"));
  CHECK_FALSE(bearer_token("Bearer "));
  CHECK_FALSE(bearer_token("Basic abc"));
  CHECK_FALSE(bearer_token("Bearer a b"));
  CHECK_FALSE(bearer_token("abc"));

  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("está") == 4);
  CHECK(utf8_length("🚗") == 1);
}

TEST_CASE("message book: delivered once per Idempotency-Key", "[unit][book]") {
  MessageBook book({}, 42);
  auto first = book.submit("key-1", valid_request(), kNow);
  REQUIRE(first.outcome == MessageBook::Outcome::accepted);
  REQUIRE(first.message != nullptr);
  const std::string id = first.message->id;
  CHECK(std::regex_match(id, std::regex("psh-[0-9a-f]{16}")));
  CHECK(first.message->idempotency_key == "key-1");
  CHECK(first.message->received_at == kNow);

  auto again = book.submit("key-1", valid_request(), kNow + 1s);
  CHECK(again.outcome == MessageBook::Outcome::duplicate);
  REQUIRE(again.message != nullptr);
  CHECK(again.message->id == id);
  CHECK(book.size() == 1);

  auto other = valid_request();
  other.title = "Otro título";
  CHECK(book.submit("key-1", other, kNow).outcome == MessageBook::Outcome::key_reused);
  CHECK(book.submit("key-1", valid_request("CAAS-CUST-2"), kNow).outcome == MessageBook::Outcome::key_reused);
  auto second = book.submit("key-2", valid_request(), kNow);
  REQUIRE(second.outcome == MessageBook::Outcome::accepted);
  CHECK(second.message->id != id);
  CHECK(book.size() == 2);
  CHECK(book.messages()[0].id == id);  // delivery order
}

TEST_CASE("message book: unregistered recipients, the bound, ids never reused", "[unit][book]") {
  MessageBook book({3, 2}, 42);
  REQUIRE(book.submit("k1", valid_request("CUST-A"), kNow).outcome == MessageBook::Outcome::accepted);
  CHECK(book.unregister({"CUST-A", "CUST-B"}));
  CHECK(book.is_unregistered("CUST-B"));
  CHECK_FALSE(book.unregister({"CUST-C"}));  // bound of 2 unregistered recipients
  CHECK(book.unregister({"CUST-A"}));        // already there: no growth
  CHECK(book.unregistered_count() == 2);
  // A retry of what was delivered before the recipient went away is still a duplicate.
  CHECK(book.submit("k1", valid_request("CUST-A"), kNow).outcome == MessageBook::Outcome::duplicate);
  CHECK(book.submit("k2", valid_request("CUST-B"), kNow).outcome == MessageBook::Outcome::recipient_not_found);
  CHECK(book.size() == 1);

  REQUIRE(book.submit("k3", valid_request("CUST-D"), kNow).outcome == MessageBook::Outcome::accepted);
  REQUIRE(book.submit("k4", valid_request("CUST-D"), kNow).outcome == MessageBook::Outcome::accepted);
  CHECK(book.submit("k5", valid_request("CUST-D"), kNow).outcome == MessageBook::Outcome::full);
  CHECK(book.submit("k4", valid_request("CUST-D"), kNow).outcome == MessageBook::Outcome::duplicate);

  std::set<std::string> ids;
  for (const auto& m : book.messages()) ids.insert(m.id);
  book.clear();
  CHECK(book.size() == 0);
  CHECK_FALSE(book.is_unregistered("CUST-A"));
  auto after = book.submit("k1", valid_request("CUST-A"), kNow);
  REQUIRE(after.outcome == MessageBook::Outcome::accepted);
  CHECK_FALSE(ids.contains(after.message->id));

  // Same salt, same sequence; another salt, other ids.
  MessageBook same({}, 42), other({}, 43);
  const auto a = same.submit("x", valid_request(), kNow).message->id;
  const auto b = other.submit("x", valid_request(), kNow).message->id;
  CHECK(ids.contains(a));
  CHECK(a != b);
}

TEST_CASE("fault plan: partial patches, refused whole, round trip", "[unit][faults]") {
  FaultPlan plan;
  CHECK(
      to_json(plan) ==
      R"({"latency_ms":0,"down":false,"fail_next":[],"fail_rate":0.0,"fail_status":503,"hold_next":0,"accept_then_hold_next":0})");
  REQUIRE_FALSE(apply_fault_patch(plan, parse(R"({"latency_ms":250,"fail_next":[503,500,429]})")));
  REQUIRE_FALSE(apply_fault_patch(plan, parse(R"({"down":true,"hold_next":2})")));
  CHECK(plan.latency == 250ms);  // kept
  CHECK(plan.fail_next == std::deque<int>{503, 500, 429});
  CHECK(plan.down);
  CHECK(plan.hold_next == 2);

  const std::string before = to_json(plan);
  auto refused = apply_fault_patch(plan, parse(R"({"down":false,"fail_next":[503,"timeout"]})"));
  REQUIRE(refused);
  CHECK(refused->field == "fail_next[1]");
  CHECK(to_json(plan) == before);  // all or nothing: down not changed either
  CHECK(apply_fault_patch(plan, parse(R"({"downn":true})"))->field == "downn");
  CHECK(apply_fault_patch(plan, parse(R"({"fail_rate":1.5})"))->field == "fail_rate");
  CHECK(apply_fault_patch(plan, parse(R"({"fail_status":200})"))->field == "fail_status");
  CHECK(apply_fault_patch(plan, parse(R"({"hold_next":-1})"))->field == "hold_next");
  CHECK(apply_fault_patch(plan, parse(R"({"latency_ms":"fast"})"))->field == "latency_ms");
  CHECK(apply_fault_patch(plan, parse(R"({"down":1})"))->field == "down");
  CHECK(apply_fault_patch(plan, parse("[]")));
  CHECK(to_json(plan) == before);

  FaultPlan copy;
  REQUIRE_FALSE(apply_fault_patch(copy, parse(to_json(plan))));
  CHECK(to_json(copy) == before);
}

TEST_CASE("fault draws: down, fail_next, hold_next, accept_then_hold_next, then fail_rate", "[unit][faults]") {
  FaultPlan plan;
  plan.latency = 40ms;
  plan.fail_next = {500, 429};
  plan.hold_next = 1;
  plan.accept_then_hold_next = 1;
  plan.fail_rate = 0.5;
  plan.fail_status = 502;
  plan.down = true;
  ScriptedRandom rng({0.1, 0.9});

  auto d = decide_fault(plan, rng);
  CHECK(d.kind == Injected::down);
  CHECK(d.status == 503);
  CHECK(d.latency == 40ms);
  CHECK(plan.fail_next.size() == 2);  // down consumes nothing
  plan.down = false;

  d = decide_fault(plan, rng);
  CHECK((d.kind == Injected::fail && d.status == 500));
  d = decide_fault(plan, rng);
  CHECK((d.kind == Injected::fail && d.status == 429));
  CHECK(decide_fault(plan, rng).kind == Injected::hold);
  CHECK(decide_fault(plan, rng).kind == Injected::accept_then_hold);
  CHECK(plan.hold_next == 0);
  CHECK(plan.accept_then_hold_next == 0);
  d = decide_fault(plan, rng);  // draws 0.1 < 0.5
  CHECK((d.kind == Injected::fail && d.status == 502));
  CHECK(decide_fault(plan, rng).kind == Injected::none);  // draws 0.9

  // A disabled fail_rate draws nothing, so it does not shift the sequence.
  FaultPlan quiet;
  ScriptedRandom untouched({0.0});
  CHECK(decide_fault(quiet, untouched).kind == Injected::none);
  CHECK(untouched.uniform() == 0.0);
}

TEST_CASE("a seed reproduces the fail_rate draws", "[unit][faults]") {
  auto run = [](std::uint64_t seed) {
    FaultPlan plan;
    plan.fail_rate = 0.3;
    SeededRandom rng(seed);
    std::string pattern;
    for (int i = 0; i < 200; ++i) pattern += decide_fault(plan, rng).kind == Injected::fail ? 'x' : '.';
    return pattern;
  };
  const auto a = run(1);
  CHECK(a == run(1));
  CHECK(a != run(2));
  const auto failures = std::count(a.begin(), a.end(), 'x');
  CHECK(failures > 30);
  CHECK(failures < 90);
}

TEST_CASE("stats and answer bodies", "[unit][views]") {
  Stats stats;
  stats.requests = 7;
  stats.count_answer(202);
  stats.count_answer(202);
  stats.count_answer(200);
  stats.count_answer(503);
  stats.count_answer(503);
  stats.count_answer(400);
  stats.held = 1;
  CHECK(stats.to_json() == R"({"requests":7,"accepted":2,"duplicates":1,"rejected":{"400":1,"503":2},"held":1})");

  MessageBook book({}, 1);
  auto req = valid_request("CUST-A");
  req.title = "Título \"entre comillas\"";
  const auto* a = book.submit("k-a", req, kNow).message;
  book.submit("k-b", valid_request("CUST-B"), kNow + 5ms);
  CHECK(accepted_body(*a, false) == R"({"message_id":")" + a->id + R"(","status":"accepted","duplicate":false})");
  CHECK(accepted_body(*a, true) == R"({"message_id":")" + a->id + R"(","status":"accepted","duplicate":true})");

  auto all = parse(messages_json(book.messages(), std::nullopt));
  REQUIRE(all["messages"].Size() == 2);
  const auto& m = all["messages"][0];
  CHECK(std::string(m["message_id"].GetString()) == a->id);
  CHECK(std::string(m["idempotency_key"].GetString()) == "k-a");
  CHECK(std::string(m["customer_id"].GetString()) == "CUST-A");
  CHECK(std::string(m["title"].GetString()) == "Título \"entre comillas\"");
  CHECK(std::string(m["body"].GetString()) == "Tu pedido ORD-1 está confirmado");
  CHECK(std::string(m["language"].GetString()) == "es");
  CHECK(std::string(m["data"]["order_id"].GetString()) == "ORD-1");
  CHECK(std::string(m["received_at"].GetString()) == format_rfc3339(kNow));
  CHECK(std::string(all["messages"][1]["customer_id"].GetString()) == "CUST-B");

  auto filtered = parse(messages_json(book.messages(), std::string("CUST-B")));
  REQUIRE(filtered["messages"].Size() == 1);
  CHECK(std::string(filtered["messages"][0]["idempotency_key"].GetString()) == "k-b");
  CHECK(parse(messages_json(book.messages(), std::string("NOBODY")))["messages"].Empty());
}
