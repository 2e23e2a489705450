// Component tests: the real order service wiring in process against an
// in-process MockCluster, driven over real HTTP on ephemeral ports and by
// factory events produced onto caas.factory.events.v1.
#include "harness.hpp"

#include "domain/ids.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <thread>

using namespace caas;
using namespace caas::order;
using namespace caas::order::test;

namespace {

const std::regex kNumber("^ORD-[0-9]{4}-[0-9]{8,}$");

std::string create(std::uint16_t port, const std::string& customer = "C1", const std::string& dealer = "D1",
                   const std::string& key = kDealer1Key) {
  auto r = call(port, "POST", "/api/v1/orders", key, sale_body(customer, dealer));
  REQUIRE(r.status == 201);
  return str(r.json(), "id");
}

std::string pay_reservation(std::uint16_t port, const std::string& id) {
  auto r = call(port, "POST", "/api/v1/orders/" + id + "/reservation-payment", kDealer1Key,
                R"({"payment_reference":"PAY-)" + id.substr(0, 8) + R"("})");
  REQUIRE(r.status == 200);
  return str(r.json(), "state");
}

// Order placed and driven by the Factory up to ARRIVED_AT_DEALERSHIP.
void to_arrived(devbroker::MockCluster& c, std::uint16_t port, const std::string& id, const std::string& fac) {
  pay_reservation(port, id);
  factory_placed(c, id, fac);
  factory_status(c, id, fac, "IN_PRODUCTION", "2026-03-02T10:00:00Z");
  factory_status(c, id, fac, "SHIPPED", "2026-03-10T10:00:00Z");  // a jump over missed webhooks
  factory_status(c, id, fac, "ARRIVED_AT_DEALERSHIP", "2026-03-12T10:00:00Z");
  REQUIRE(wait_state(port, id, "ARRIVED_AT_DEALERSHIP"));
}

}  // namespace

TEST_CASE("full lifecycle: API commands and factory events from sale to DELIVERED", "[component][lifecycle]") {
  Single single("lifecycle");
  auto& cluster = single.cluster;
  const auto port = single.port();

  auto created = call(port, "POST", "/api/v1/orders", kDealer1Key, sale_body("C1", "D1"), "req-sale-1");
  REQUIRE(created.status == 201);
  auto doc = created.json();
  const std::string id = str(doc, "id");
  CHECK(created.location == "/api/v1/orders/" + id);
  CHECK(str(doc, "state") == "PENDING_RESERVATION");
  CHECK(std::regex_match(str(doc, "order_number"), kNumber));
  CHECK(str(doc["created_by"], "subject") == "D1");

  CHECK(pay_reservation(port, id) == "PENDING_FACTORY_SUBMISSION");
  factory_placed(cluster, id, "FAC-2026-000001");
  REQUIRE(wait_state(port, id, "ORDERED"));
  factory_status(cluster, id, "FAC-2026-000001", "IN_PRODUCTION", "2026-03-02T10:00:00Z");
  factory_status(cluster, id, "FAC-2026-000001", "QUALITY_CHECK", "2026-03-05T10:00:00Z");             // jump
  factory_status(cluster, id, "FAC-2026-000001", "IN_PRODUCTION", "2026-03-06T10:00:00Z");             // QC rework
  factory_status(cluster, id, "FAC-2026-000001", "ASSEMBLY_COMPLETE", "2026-03-04T10:00:00Z", false);  // late
  factory_event(
      cluster, "factory.discrepancy-found", id,
      R"({"order_id":")" + id +
          R"(","factory_order_id":"FAC-2026-000001","caas_status":"IN_PRODUCTION","factory_status":"IN_PRODUCTION","detected_by":"poll","action":"none","detected_at":"2026-03-06T11:00:00Z"})");
  for (const char* s :
       {"ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT", "SHIPPED", "ARRIVED_AT_DEALERSHIP"}) {
    factory_status(cluster, id, "FAC-2026-000001", s,
                   "2026-03-1" + std::to_string(std::string(s).size() % 10) + "T10:00:00Z");
  }
  REQUIRE(wait_state(port, id, "ARRIVED_AT_DEALERSHIP"));
  {
    auto o = call(port, "GET", "/api/v1/orders/" + id).json();
    CHECK(str(o, "payment_deadline") != "");
    const auto& f = o["factory"];
    CHECK(str(f, "factory_order_id") == "FAC-2026-000001");
    CHECK(str(f, "estimated_delivery_date") == "2026-09-01");
    CHECK(str(f, "manufacturing_location") == "Martorell");
    CHECK(f["status_history"].Size() == 10);  // placement + 9 statuses (one not applied)
  }

  auto fin = call(port, "POST", "/api/v1/orders/" + id + "/final-payment", kDealer1Key,
                  R"({"payment_reference":"FIN-1","amount":{"amount_cents":3000000,"currency":"EUR"}})");
  REQUIRE(fin.status == 200);
  CHECK(str(fin.json(), "state") == "READY_FOR_DELIVERY");
  auto reg = call(port, "POST", "/api/v1/orders/" + id + "/registration", kOperatorKey,
                  R"({"vin":"VSSZZZ6JZ9R056308","registration_plate":"1234-ABC"})");
  REQUIRE(reg.status == 200);
  CHECK(str(reg.json(), "state") == "REGISTERED");
  auto hand = call(port, "POST", "/api/v1/orders/" + id + "/handover", kDealer1Key, R"({"vin":"VSSZZZ6JZ9R056308"})");
  REQUIRE(hand.status == 200);
  auto final_doc = hand.json();
  CHECK(str(final_doc, "state") == "DELIVERED");
  CHECK(str(final_doc, "vin") == "VSSZZZ6JZ9R056308");

  // The timeline: every change, when, and by whom or what.
  const auto& tl = final_doc["timeline"];
  REQUIRE(tl.Size() >= 16);
  CHECK(str(tl[0], "event") == "sale_registered");
  CHECK(str(tl[0]["caused_by"]["actor"], "subject") == "D1");
  CHECK(str(tl[0]["caused_by"], "correlation_id") == "req-sale-1");
  bool saw_late = false, saw_discrepancy = false, saw_factory_cause = false;
  for (const auto& e : tl.GetArray()) {
    saw_late |= str(e, "event") == "factory_status_recorded" && !e["applied"].GetBool();
    saw_discrepancy |= str(e, "event") == "factory_discrepancy";
    saw_factory_cause |= str(e["caused_by"], "event_type") == "factory.status-changed";
  }
  CHECK(saw_late);
  CHECK(saw_discrepancy);
  CHECK(saw_factory_cause);

  // Outbox: placement command and the order events, with deterministic ids.
  auto place = read_topic(cluster, "caas.factory.commands.v1");
  REQUIRE(place.size() == 1);
  CHECK(place[0].type == "factory.place-order");
  CHECK(place[0].key == id);
  CHECK(place[0].data.find(R"("idempotency_key":")" + id + "\"") != std::string::npos);
  std::vector<TopicEvent> evs;
  REQUIRE(testing::eventually(
      [&] {
        evs = read_topic(cluster, "caas.order.events.v1");
        return !evs.empty() && evs.back().type == "order.delivered";
      },
      20s));
  std::set<std::string> ids;
  std::map<std::string, int> types;
  for (const auto& e : evs) {
    CHECK(e.key == id);
    ids.insert(e.id);
    types[e.type]++;
  }
  CHECK(ids.size() == evs.size());
  CHECK(types["order.created"] == 1);
  CHECK(types["order.reservation-paid"] == 1);
  CHECK(types["order.delivered"] == 1);
  CHECK(types["order.status-changed"] == 13);
  CHECK(evs[0].type == "order.created");
  CHECK(evs[0].correlationid == "req-sale-1");
  CHECK(evs[0].id == derive_event_id(evs[0].causationid, "order.created"));
  for (const auto& e : evs) {
    if (e.type != "order.status-changed") continue;
    const bool milestone = e.data.find(R"("customer_milestone":true)") != std::string::npos;
    if (e.data.find(R"("new_state":"QUALITY_CHECK")") != std::string::npos) CHECK_FALSE(milestone);
    if (e.data.find(R"("new_state":"SHIPPED")") != std::string::npos) CHECK(milestone);
  }

  auto m = metrics_text(port);
  CHECK(m.find("orders_created_total 1") != std::string::npos);
  CHECK(m.find(R"(order_state_transitions_total{from="SHIPPED",to="ARRIVED_AT_DEALERSHIP"} 1)") != std::string::npos);
  CHECK(testing::eventually(
      [&] { return metrics_text(port).find(R"(orders_by_state{state="DELIVERED"} 1)") != std::string::npos; }, 10s));
}

TEST_CASE("illegal transitions answer 409 with the reason and the current state", "[component][409]") {
  Single single("conflict");
  auto& cluster = single.cluster;
  const auto port = single.port();
  const auto id = create(port);

  auto early =
      call(port, "POST", "/api/v1/orders/" + id + "/final-payment", kDealer1Key, R"({"payment_reference":"X"})");
  REQUIRE(early.status == 409);
  auto e = early.json();
  CHECK(str(e, "error") == "illegal_transition");
  CHECK(str(e, "current_state") == "PENDING_RESERVATION");
  CHECK(str(e, "message").find("must be ARRIVED_AT_DEALERSHIP") != std::string::npos);

  pay_reservation(port, id);
  factory_placed(cluster, id, "FAC-1");
  REQUIRE(wait_state(port, id, "ORDERED"));
  auto cancel = call(port, "POST", "/api/v1/orders/" + id + "/cancel", kDealer1Key, R"({"reason":"changed mind"})");
  REQUIRE(cancel.status == 409);
  CHECK(str(cancel.json(), "current_state") == "ORDERED");
  CHECK(str(cancel.json(), "message").find("already placed with the Factory") != std::string::npos);

  const auto id2 = create(port, "C2");
  auto ok = call(port, "POST", "/api/v1/orders/" + id2 + "/cancel", kDealer1Key, R"({"reason":"customer withdrew"})");
  REQUIRE(ok.status == 200);
  CHECK(str(ok.json(), "state") == "CANCELLED");
  auto again =
      call(port, "POST", "/api/v1/orders/" + id2 + "/reservation-payment", kDealer1Key, R"({"payment_reference":"P"})");
  CHECK(again.status == 409);
  CHECK(str(again.json(), "current_state") == "CANCELLED");

  CHECK(call(port, "POST", "/api/v1/orders/no-such-order/cancel", kDealer1Key, R"({"reason":"x"})").status == 404);
  CHECK(call(port, "GET", "/api/v1/orders/no-such-order").status == 404);
  auto bad = call(port, "POST", "/api/v1/orders", kDealer1Key,
                  std::regex_replace(sale_body(), std::regex(R"("country":"ES")"), R"("country":"Spain")"));
  REQUIRE(bad.status == 400);
  CHECK(str(bad.json(), "field") == "delivery_address.country");
  auto missing =
      call(port, "POST", "/api/v1/orders/" + id + "/registration", kDealer1Key, R"({"vin":"VSSZZZ6JZ9R056308"})");
  CHECK(missing.status == 400);
  CHECK(str(missing.json(), "field") == "registration_plate");
  http::HttpClient raw;
  auto wrong_type = raw.request({"POST", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/orders",
                                 [] {
                                   http::Headers h;
                                   h.set("X-API-Key", kDealer1Key);
                                   h.set("Content-Type", "text/plain");
                                   return h;
                                 }(),
                                 sale_body()});
  REQUIRE(wrong_type);
  CHECK(wrong_type->status == 415);
  CHECK(testing::eventually(
      [&] {
        return metrics_text(port).find(R"(order_illegal_transitions_total{source="api"} 3)") != std::string::npos;
      },
      5s));
}

TEST_CASE("roles: dealers see their dealership, customers only their own orders", "[component][roles]") {
  Single single("roles");
  const auto port = single.port();
  const auto mine = create(port, "C1", "D1");
  const auto other = create(port, "C2", "D2", kDealer2Key);

  CHECK(call(port, "GET", "/api/v1/orders/" + mine, "").status == 401);
  CHECK(call(port, "GET", "/api/v1/orders/" + mine, "wrong-key-0123456789abcdef").status == 401);
  CHECK(call(port, "GET", "/api/v1/orders/" + mine, "Bearer not.a.token").status == 401);
  CHECK(call(port, "POST", "/api/v1/orders", kDealer2Key, sale_body("C1", "D1")).status == 403);
  CHECK(call(port, "POST", "/api/v1/orders", kOperatorKey, sale_body("C1", "D1")).status == 403);
  CHECK(call(port, "GET", "/api/v1/orders/" + mine, kDealer2Key).status == 403);
  CHECK(call(port, "POST", "/api/v1/orders/" + mine + "/cancel", kDealer2Key, R"({"reason":"x"})").status == 403);
  CHECK(call(port, "GET", "/api/v1/orders/" + mine, kDealer1Key).status == 200);

  const auto c1 = "Bearer " + customer_token("C1");
  CHECK(call(port, "GET", "/api/v1/orders/" + mine, c1).status == 200);
  auto denied = call(port, "GET", "/api/v1/orders/" + other, c1);
  CHECK(denied.status == 403);
  CHECK(str(denied.json(), "error") == "forbidden");
  CHECK(call(port, "POST", "/api/v1/orders/" + mine + "/cancel", c1, R"({"reason":"x"})").status == 403);
  CHECK(call(port, "POST", "/api/v1/orders", c1, sale_body("C1", "D1")).status == 403);
  CHECK(call(port, "GET", "/api/v1/orders?customer_id=C2", c1).status == 403);
  REQUIRE(testing::eventually(
      [&] {
        auto r = call(port, "GET", "/api/v1/orders", c1);
        return r.status == 200 && r.json()["total"].GetInt() == 1;
      },
      10s));
  auto list = call(port, "GET", "/api/v1/orders", c1).json();
  REQUIRE(list["orders"].Size() == 1);
  CHECK(str(list["orders"][0], "id") == mine);
  // Lists come from the read model, which follows the command log on its own
  // consumer: wait for it to hold the second dealership's order too.
  REQUIRE(testing::eventually(
      [&] {
        auto r = call(port, "GET", "/api/v1/orders", kDealer2Key);
        return r.status == 200 && r.json()["total"].GetInt() == 1;
      },
      10s));
  auto d2 = call(port, "GET", "/api/v1/orders", kDealer2Key).json();
  REQUIRE(d2["orders"].Size() == 1);
  CHECK(str(d2["orders"][0], "id") == other);
  CHECK(call(port, "GET", "/api/v1/orders?dealership_id=D1", kDealer2Key).status == 403);
  // Operators change any dealership's orders.
  CHECK(call(port, "POST", "/api/v1/orders/" + other + "/cancel", kOperatorKey, R"({"reason":"duplicate sale"})")
            .status == 200);
}

TEST_CASE("list: filters, sort, pagination and total count", "[component][list]") {
  Single single("list");
  const auto port = single.port();
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(create(port, "C" + std::to_string(i % 3), i < 5 ? "D1" : "D2", i < 5 ? kDealer1Key : kDealer2Key));
  }
  pay_reservation(port, ids[0]);
  pay_reservation(port, ids[1]);
  REQUIRE(testing::eventually(
      [&] {
        auto r = call(port, "GET", "/api/v1/orders?status=PENDING_FACTORY_SUBMISSION");
        return r.status == 200 && r.json()["total"].GetInt() == 2;
      },
      10s));
  REQUIRE(testing::eventually([&] { return call(port, "GET", "/api/v1/orders").json()["total"].GetInt() == 7; }, 10s));
  auto page1 = call(port, "GET", "/api/v1/orders?sort=order_number&limit=3").json();
  CHECK(page1["total"].GetInt() == 7);
  CHECK(page1["count"].GetInt() == 3);
  auto page3 = call(port, "GET", "/api/v1/orders?sort=order_number&limit=3&offset=6").json();
  CHECK(page3["count"].GetInt() == 1);
  CHECK(std::string(page1["orders"][0]["order_number"].GetString()) < page1["orders"][1]["order_number"].GetString());
  CHECK(call(port, "GET", "/api/v1/orders?dealership_id=D2").json()["total"].GetInt() == 2);
  CHECK(call(port, "GET", "/api/v1/orders?customer_id=C0&dealership_id=D1").json()["total"].GetInt() == 2);
  CHECK(call(port, "GET", "/api/v1/orders?created_from=2000-01-01&created_to=2000-01-02").json()["total"].GetInt() ==
        0);
  CHECK(call(port, "GET", "/api/v1/orders?created_from=2000-01-01").json()["total"].GetInt() == 7);
  auto too_many = call(port, "GET", "/api/v1/orders?limit=101");
  CHECK(too_many.status == 400);
  CHECK(str(too_many.json(), "field") == "limit");
  CHECK(call(port, "GET", "/api/v1/orders?sort=price").status == 400);
}

TEST_CASE("payment deadline after arrival moves the order to UNASSIGNED", "[component][deadline]") {
  Single single("deadline", {{"CAAS_ORDER_PAYMENT_DEADLINE", "300ms"}});
  auto& cluster = single.cluster;
  const auto port = single.port();
  const auto id = create(port);
  to_arrived(cluster, port, id, "FAC-7");
  REQUIRE(wait_state(port, id, "UNASSIGNED", 20s));
  auto o = call(port, "GET", "/api/v1/orders/" + id).json();
  const auto& last = o["timeline"][o["timeline"].Size() - 1];
  CHECK(str(last, "to_state") == "UNASSIGNED");
  CHECK(str(last, "description").find("sin asignar") != std::string::npos);
  CHECK(str(last["caused_by"]["actor"], "subject") == "order-deadline-scanner");
  CHECK(testing::eventually(
      [&] {
        for (const auto& e : read_topic(cluster, "caas.order.events.v1"))
          if (e.type == "order.unassigned") return true;
        return false;
      },
      20s));
  CHECK(metrics_text(port).find("order_payment_deadline_expiries_total 1") != std::string::npos);
  auto late =
      call(port, "POST", "/api/v1/orders/" + id + "/final-payment", kDealer1Key, R"({"payment_reference":"LATE"})");
  CHECK(late.status == 409);
  CHECK(str(late.json(), "current_state") == "UNASSIGNED");
}

TEST_CASE("an illegal factory event goes to the DLQ, counts, and parks the order", "[component][dlq]") {
  Single single("dlq");
  auto& cluster = single.cluster;
  const auto port = single.port();
  const auto id = create(port);
  pay_reservation(port, id);
  // SHIPPED before the Factory ever confirmed the placement.
  factory_status(cluster, id, "FAC-9", "SHIPPED", "2026-03-10T10:00:00Z");
  std::vector<TopicEvent> dlq;
  REQUIRE(testing::eventually(
      [&] {
        dlq = read_topic(cluster, "caas.dlq.order.v1");
        return !dlq.empty();
      },
      20s));
  CHECK(dlq[0].key == id);
  CHECK(kafka::find_header(dlq[0].headers, "dlq.error.class") == "permanent");
  CHECK(std::string(kafka::find_header(dlq[0].headers, "dlq.error.message").value_or("")).find("illegal_transition") ==
        0);
  CHECK(metrics_text(port).find(R"(order_illegal_transitions_total{source="factory"} 1)") != std::string::npos);
  CHECK(state_of(port, id) == "PENDING_FACTORY_SUBMISSION");
  auto parked = call(port, "POST", "/api/v1/orders/" + id + "/cancel", kDealer1Key, R"({"reason":"x"})");
  CHECK(parked.status == 409);
  CHECK(str(parked.json(), "error") == "order_parked");
}

TEST_CASE("two replicas, 200 concurrent sales: every order number is unique", "[component][replicas]") {
  devbroker::MockCluster cluster(1);
  Instance a(cluster, fresh_dir("rep-a"), "order-a");
  Instance b(cluster, fresh_dir("rep-b"), "order-b");
  REQUIRE(a.wait_ready());
  REQUIRE(b.wait_ready());
  std::mutex mutex;
  std::vector<std::string> ids;
  std::map<int, int> statuses;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const auto port = t % 2 ? b.port() : a.port();
      for (int i = 0; i < 25; ++i) {
        auto r = call(port, "POST", "/api/v1/orders", kAdminKey, sale_body("C" + std::to_string(t), "D1"));
        std::lock_guard lock(mutex);
        statuses[r.status]++;
        if (r.status == 201) ids.push_back(str(r.json(), "id"));
        if (r.status == 202) ids.push_back(str(r.json(), "order_id"));
      }
    });
  }
  for (auto& th : threads) th.join();
  INFO("201: " << statuses[201] << " 202: " << statuses[202]);
  REQUIRE(ids.size() == 200);
  // Every replica's read model has every order, whichever replica owns it.
  std::set<std::string> numbers;
  for (auto* inst : {&a, &b}) {
    REQUIRE(testing::eventually(
        [&] {
          auto r = call(inst->port(), "GET", "/api/v1/orders?limit=1");
          return r.status == 200 && r.json()["total"].GetInt() == 200;
        },
        60s));
  }
  for (const auto& id : ids) {
    auto r = call(b.port(), "GET", "/api/v1/orders/" + id);
    REQUIRE(r.status == 200);
    const auto number = str(r.json(), "order_number");
    CHECK(std::regex_match(number, kNumber));
    numbers.insert(number);
  }
  CHECK(numbers.size() == 200);
  // Both replicas owned partitions and numbered sales concurrently.
  auto created_by = [](std::uint16_t port) {
    const auto m = metrics_text(port);
    const auto pos = m.find("\norders_created_total ");
    return pos == std::string::npos ? 0 : std::stoi(m.substr(pos + 22));
  };
  const int created_a = created_by(a.port()), created_b = created_by(b.port());
  INFO("applied by a: " << created_a << " by b: " << created_b);
  CHECK(created_a > 0);
  CHECK(created_b > 0);
  CHECK(created_a + created_b >= 200);
  std::set<std::string> emitted;
  REQUIRE(testing::eventually(
      [&] {
        emitted.clear();
        for (const auto& e : read_topic(cluster, "caas.order.events.v1")) {
          if (e.type != "order.created") continue;
          auto pos = e.data.find("\"order_number\":\"");
          emitted.insert(e.data.substr(pos + 16, e.data.find('"', pos + 16) - pos - 16));
        }
        return emitted.size() >= 200;
      },
      30s));
  CHECK(emitted == numbers);
}

TEST_CASE("wipe the store and replay: the same orders field by field", "[component][replay]") {
  devbroker::MockCluster cluster(1);
  const auto dir = fresh_dir("replay");
  std::vector<std::string> ids;
  std::map<std::string, std::string> before;
  {
    Instance svc(cluster, dir, "order-a");
    REQUIRE(svc.wait_ready());
    const auto port = svc.port();
    ids = {create(port, "C1"), create(port, "C2"), create(port, "C3")};
    to_arrived(cluster, port, ids[0], "FAC-R1");
    factory_status(cluster, ids[0], "FAC-R1", "SHIPPED", "2026-03-09T10:00:00Z", false);
    REQUIRE(
        call(port, "POST", "/api/v1/orders/" + ids[0] + "/final-payment", kDealer1Key, R"({"payment_reference":"F"})")
            .status == 200);
    pay_reservation(port, ids[1]);
    factory_event(
        cluster, "factory.submission-failed", ids[1],
        R"({"order_id":")" + ids[1] +
            R"(","error_class":"server_error","attempts":6,"last_error":"503","critical":false,"ticket_id":"TCK-1","failed_at":"2026-03-01T11:00:00Z"})");
    REQUIRE(wait_state(port, ids[1], "FACTORY_SUBMISSION_FAILED"));
    REQUIRE(call(port, "POST", "/api/v1/orders/" + ids[2] + "/cancel", kDealer1Key, R"({"reason":"r"})").status == 200);
    REQUIRE(testing::eventually(
        [&] { return call(port, "GET", "/api/v1/orders/" + ids[0]).json()["timeline"].Size() == 8; }, 10s));
    for (const auto& id : ids) before[id] = call(port, "GET", "/api/v1/orders/" + id).body;
    svc.stop();
  }
  std::filesystem::remove_all(dir / "data");
  Instance again(cluster, dir, "order-a");
  REQUIRE(again.wait_ready());
  for (const auto& id : ids) {
    INFO(id);
    CHECK(
        testing::eventually([&] { return call(again.port(), "GET", "/api/v1/orders/" + id).body == before[id]; }, 30s));
    CHECK(call(again.port(), "GET", "/api/v1/orders/" + id).body == before[id]);
  }
  // The replay re-emits events with the same ids: downstream dedup absorbs them.
  std::map<std::string, int> seen;
  REQUIRE(testing::eventually(
      [&] {
        seen.clear();
        for (const auto& e : read_topic(cluster, "caas.order.events.v1")) seen[e.id]++;
        return !seen.empty() && std::all_of(seen.begin(), seen.end(), [](const auto& kv) { return kv.second == 2; });
      },
      30s));
}
