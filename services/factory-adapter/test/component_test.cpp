// Component tests: the real service wiring in process (ServiceRuntime +
// AdapterService on an ephemeral port) against an in-process MockCluster and
// a scripted fake Factory (fake_factory.hpp). Delays are milliseconds.
#include "app/adapter_service.hpp"
#include "fake_factory.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/http/client.hpp>

#include "event_factory.hpp"
#include "eventually.hpp"
#include "local_resources.hpp"
#include "service_harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace caas;
using namespace caas::factory;
using namespace caas::factory::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminKey = "admin-key-0123456789abcdef";
constexpr const char* kDealerKey = "dealer-key-0123456789abcdef";
constexpr const char* kToken = "factory-token-xyz";

std::filesystem::path fresh_dir() {
  return caas::testing::fresh_dir("factory-adapter");
}

/// Service + runtime over a data dir that may outlive it (restart tests).
class Adapter {
 public:
  Adapter(devbroker::MockCluster& cluster, FakeFactory& factory, const std::filesystem::path& dir,
          std::map<std::string, std::string> overrides = {})
      : running_("factory-adapter", "test", environment(cluster, factory, dir, std::move(overrides)),
                 std::make_unique<AdapterService>()) {}

  struct Reply {
    int status = 0;
    std::string body;
  };
  Reply call(const std::string& method, const std::string& path, const std::string& key = kAdminKey) const {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.emplace_back("X-API-Key", key);
    return call_with(method, path, headers);
  }
  /// With exactly these request headers (added in order, repeats kept).
  Reply call_with(const std::string& method, const std::string& path,
                  const std::vector<std::pair<std::string, std::string>>& headers) const {
    http::ClientOptions options;
    options.request_timeout = 10s;
    http::HttpClient client(options);
    http::ClientRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(running_.port()) + path;
    for (const auto& [name, value] : headers) req.headers.add(name, value);
    auto r = client.request(req);
    if (!r) return {};
    return {r->status, r->body};
  }
  std::string metrics() const { return call("GET", "/metrics", "").body; }
  bool ready() const { return call("GET", "/readyz", "").status == 200; }

 private:
  /// Writes the token and key files into `dir`; returns the adapter's environment.
  static caas::testing::EnvMap environment(devbroker::MockCluster& cluster, FakeFactory& factory,
                                           const std::filesystem::path& dir,
                                           std::map<std::string, std::string> overrides) {
    std::ofstream(dir / "token") << kToken << "\n";
    std::ofstream(dir / "keys") << kAdminKey << " admin ops-1\n" << kDealerKey << " dealer dealer-1\n";
    caas::testing::EnvMap env{
        {"CAAS_KAFKA_BOOTSTRAP", cluster.bootstrap()},
        {"CAAS_DATA_DIR", (dir / "data").string()},
        {"CAAS_HTTP_PORT", "0"},
        {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
        {"CAAS_LOG_LEVEL", std::getenv("ADAPTER_TEST_LOG") ? std::getenv("ADAPTER_TEST_LOG") : "error"},
        {"CAAS_SHUTDOWN_GRACE", "3s"},
        {"CAAS_FACTORY_API_URL", factory.url()},
        {"CAAS_FACTORY_API_TOKEN_FILE", (dir / "token").string()},
        {"CAAS_API_KEYS_FILE", (dir / "keys").string()},
        {"CAAS_FACTORY_TIMEOUT", "300ms"},
        {"CAAS_FACTORY_RETRY_INITIAL", "5ms"},
        {"CAAS_FACTORY_WORKER_TICK", "10ms"},
        {"CAAS_FACTORY_BREAKER_FAILURES", "100"},
        {"CAAS_FACTORY_BREAKER_OPEN", "300ms"},
        {"CAAS_FACTORY_SCHEDULER_TICK", "20ms"},
        {"CAAS_FACTORY_STALE_AFTER", "1h"},
        {"CAAS_FACTORY_POLL_INTERVAL", "1h"},
        {"CAAS_FACTORY_RECONCILE_INTERVAL", "1h"},
        {"CAAS_INGRESS_UNKNOWN_ORDER_GRACE", "300ms"}};
    for (auto& [k, v] : overrides) env[k] = v;
    return env;
  }

  caas::testing::RunningService<AdapterService> running_;
};

std::string place_order_data(const std::string& order_id) {
  return R"({"order_id":")" + order_id + R"(","order_number":"ORD-2026-000123","idempotency_key":")" + order_id +
         R"(","customer_id":"CAAS-CUST-123456","vehicle_specification":{"platform_base":"SUV_ELECTRIC_2024","initial_options":["POWER_BOOST_50","ADAS_LEVEL_2"],"color":"MIDNIGHT_BLUE","interior":"PREMIUM_LEATHER"},"dealership_id":"DEALER-ES-001","delivery_address":{"street":"Calle Principal 123","city":"Madrid","postal_code":"28001","country":"ES"},"plan_comercial":{"maintenance_included":true,"warranty_years":5,"opciones_permanentes":["POWER_BOOST_50"]}})";
}

void send_place_order(devbroker::MockCluster& cluster, const std::string& order_id) {
  devbroker::testing::produce_all(
      cluster.bootstrap(), {caas::testing::event_record("caas.factory.commands.v1", order_id, "factory.place-order",
                                                        place_order_data(order_id))});
}

/// A verified webhook as the ingress writes it.
kafka::Record status_record(const std::string& factory_order_id, const std::string& status,
                            const std::string& timestamp) {
  const std::string data = R"({"order_id":")" + factory_order_id + R"(","status":")" + status + R"(","timestamp":")" +
                           timestamp + R"(","notes":"n","received_at":")" +
                           format_rfc3339(std::chrono::system_clock::now()) +
                           R"(","source":"factory","request_id":"req-1","secret_id":"s0"})";
  return caas::testing::event_record("caas.ingress.factory-status.v1", factory_order_id, "ingress.factory-status",
                                     data);
}

/// Sends a verified webhook as the ingress would; returns its envelope id.
std::string send_status(devbroker::MockCluster& cluster, const std::string& factory_order_id, const std::string& status,
                        const std::string& timestamp) {
  auto record = status_record(factory_order_id, status, timestamp);
  devbroker::testing::produce_all(cluster.bootstrap(), {record});
  return caas::testing::event_id(record);
}

struct Event {
  std::string key;
  std::string type;
  std::string id;
  std::shared_ptr<rapidjson::Document> data;
  std::string str(const char* field) const {
    auto it = data->FindMember(field);
    return it != data->MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  }
  std::int64_t num(const char* field) const {
    auto it = data->FindMember(field);
    return it != data->MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
  }
  bool flag(const char* field) const {
    auto it = data->FindMember(field);
    return it != data->MemberEnd() && it->value.IsBool() && it->value.GetBool();
  }
};

std::vector<Event> read_events(const std::string& bootstrap, const std::string& topic, const std::string& type = "") {
  std::vector<Event> out;
  for (auto& r : devbroker::testing::consume_all(bootstrap, topic, 10s)) {
    auto env = events::parse_envelope(r.value);
    if (!env || (!type.empty() && env->type != type)) continue;
    auto doc = std::make_shared<rapidjson::Document>();
    doc->Parse(env->data.c_str());
    out.push_back({r.key, env->type, env->id, doc});
  }
  return out;
}

std::vector<Event> wait_events(devbroker::MockCluster& cluster, const std::string& topic, const std::string& type,
                               std::size_t n, std::chrono::milliseconds timeout = 20s) {
  std::vector<Event> got;
  caas::testing::eventually(
      [&] {
        got = read_events(cluster.bootstrap(), topic, type);
        return got.size() >= n;
      },
      timeout);
  return got;
}

const std::string kEvents = "caas.factory.events.v1";
const std::string kTickets = "caas.support.tickets.v1";

bool metric_is(const Adapter& a, const std::string& line) {
  return a.metrics().find(line) != std::string::npos;
}

std::string status_body(const std::string& fo, const std::string& status,
                        const std::vector<std::pair<std::string, std::string>>& history) {
  std::string h;
  for (const auto& [s, t] : history) {
    if (!h.empty()) h += ",";
    h += R"({"status":")" + s + R"(","timestamp":")" + t + R"("})";
  }
  return R"({"order_id":")" + fo + R"(","status":")" + status + R"(","status_history":[)" + h +
         R"(],"estimated_delivery_date":"2027-02-15","current_location":"Barcelona"})";
}

/// Paths at which two JSON documents differ ("" when equal): a readable
/// field-by-field comparison.
void json_diff(const rapidjson::Value& a, const rapidjson::Value& b, const std::string& path,
               std::vector<std::string>& out) {
  if (a.IsObject() && b.IsObject()) {
    std::set<std::string> names;
    for (const auto& m : a.GetObject()) names.insert(m.name.GetString());
    for (const auto& m : b.GetObject()) names.insert(m.name.GetString());
    for (const auto& n : names) {
      const auto ia = a.FindMember(n.c_str());
      const auto ib = b.FindMember(n.c_str());
      if (ia == a.MemberEnd() || ib == b.MemberEnd()) {
        out.push_back(path + "/" + n + " (missing on one side)");
      } else {
        json_diff(ia->value, ib->value, path + "/" + n, out);
      }
    }
    return;
  }
  if (a.IsArray() && b.IsArray()) {
    if (a.Size() != b.Size())
      out.push_back(path + " (length " + std::to_string(a.Size()) + " vs " + std::to_string(b.Size()) + ")");
    for (rapidjson::SizeType i = 0; i < std::min(a.Size(), b.Size()); ++i) {
      json_diff(a[i], b[i], path + "/" + std::to_string(i), out);
    }
    return;
  }
  if (a != b) out.push_back(path);
}

std::vector<std::string> json_diff(const std::string& a, const std::string& b) {
  rapidjson::Document da;
  rapidjson::Document db;
  da.Parse(a.c_str());
  db.Parse(b.c_str());
  if (da.HasParseError() || db.HasParseError()) return {"(not JSON)"};
  std::vector<std::string> out;
  json_diff(da, db, "", out);
  return out;
}

std::set<std::string> event_ids(const std::vector<Event>& events) {
  std::set<std::string> ids;
  for (const auto& e : events) ids.insert(e.id);
  return ids;
}

}  // namespace

TEST_CASE("place-order is placed with bearer token and Idempotency-Key and the admin API shows it", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_place_order(cluster, "order-ok");
  auto placed = wait_events(cluster, kEvents, "factory.order-placed", 1);
  REQUIRE(placed.size() == 1);
  CHECK(placed[0].key == "order-ok");
  CHECK(placed[0].str("factory_order_id") == "FAC-order-ok");
  CHECK(placed[0].num("attempts") == 1);
  auto seen = factory.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].authorization == std::string("Bearer ") + kToken);
  CHECK(seen[0].idempotency_key == "order-ok");
  auto body = events::parse_strict_json(seen[0].body);
  REQUIRE(body);
  CHECK(body->HasMember("vehicle_specification"));
  CHECK(body->HasMember("plan_comercial"));
  CHECK_FALSE(body->HasMember("order_number"));

  auto view = adapter.call("GET", "/api/v1/factory-orders/order-ok");
  CHECK(view.status == 200);
  CHECK(view.body.find(R"("factory_order_id":"FAC-order-ok")") != std::string::npos);
  CHECK(view.body.find(R"("state":"placed")") != std::string::npos);
  CHECK(view.body.find(R"("status":"ORDERED")") != std::string::npos);
  CHECK(adapter.call("GET", "/api/v1/factory-orders/order-ok", "").status == 401);
  CHECK(adapter.call("GET", "/api/v1/factory-orders/order-ok", kDealerKey).status == 403);
  CHECK(adapter.call("GET", "/api/v1/factory-orders/nope").status == 404);
  CHECK(metric_is(adapter, R"(factory_order_placements_total{outcome="placed"} 1)"));
}

TEST_CASE("the admin API authenticates like every other API: no API key as a bearer token, no repeated credentials",
          "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  const std::string path = "/api/v1/placements";
  REQUIRE(adapter.call_with("GET", path, {{"X-API-Key", kAdminKey}}).status == 200);
  // An API key is not a bearer token (the adapter's own check used to take it as one).
  auto bearer = adapter.call_with("GET", path, {{"Authorization", std::string("Bearer ") + kAdminKey}});
  CHECK(bearer.status == 401);
  CHECK(bearer.body.find("bearer tokens are not enabled") != std::string::npos);
  // Two credentials headers are refused, whatever the second one says.
  auto twice = adapter.call_with("GET", path, {{"X-API-Key", kAdminKey}, {"X-API-Key", kDealerKey}});
  CHECK(twice.status == 401);
  CHECK(twice.body.find("repeated credentials header") != std::string::npos);
  CHECK(adapter
            .call_with("GET", path,
                       {{"X-API-Key", kAdminKey}, {"Authorization", "Bearer a"}, {"Authorization", "Bearer b"}})
            .status == 401);
}

TEST_CASE("503, 503, 201 is placed after retries with the same key", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  factory.push({503, R"({"error":"busy"})", {}});
  factory.push({502, R"({"error":"bad gateway"})", {}});
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_place_order(cluster, "order-retry");
  auto placed = wait_events(cluster, kEvents, "factory.order-placed", 1);
  REQUIRE(placed.size() == 1);
  CHECK(placed[0].num("attempts") == 3);
  CHECK(factory.posts_with_key("order-retry") == 3);
  CHECK(factory.posts() == 3);
  CHECK(metric_is(adapter, R"(factory_order_retries_total{error_class="server_error"} 2)"));
}

TEST_CASE("a timeout then a retry creates exactly one factory order", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  factory.push({201, "", 700ms});  // created, but the answer comes after our 300 ms timeout
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_place_order(cluster, "order-timeout");
  auto placed = wait_events(cluster, kEvents, "factory.order-placed", 1);
  REQUIRE(placed.size() == 1);
  CHECK(placed[0].num("attempts") == 2);
  CHECK(placed[0].str("factory_order_id") == "FAC-order-timeout");
  CHECK(factory.posts_with_key("order-timeout") == 2);
  CHECK(factory.orders_created() == 1);
  CHECK(metric_is(adapter, R"(factory_order_retries_total{error_class="timeout"} 1)"));
}

TEST_CASE("400 is rejected at once with a ticket and 401 fails critically with an auth ticket", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  factory.push(
      {400,
       R"({"error_code":"INVALID_SPECIFICATION","message":"Unknown option code: INVALID_OPTION","field":"vehicle_specification.initial_options[1]"})",
       {}});
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_place_order(cluster, "order-400");
  auto rejected = wait_events(cluster, kEvents, "factory.order-rejected", 1);
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].str("error_code") == "INVALID_SPECIFICATION");
  CHECK(rejected[0].str("field") == "vehicle_specification.initial_options[1]");
  CHECK(rejected[0].num("http_status") == 400);
  CHECK(factory.posts() == 1);

  factory.push({401, R"({"message":"invalid token"})", {}});
  send_place_order(cluster, "order-401");
  auto failed = wait_events(cluster, kEvents, "factory.submission-failed", 1);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].key == "order-401");
  CHECK(failed[0].flag("critical"));
  CHECK(failed[0].str("error_class") == "auth");
  CHECK(failed[0].num("http_status") == 401);
  CHECK(factory.posts() == 2);

  auto tickets = wait_events(cluster, kTickets, "support.ticket-opened", 2);
  REQUIRE(tickets.size() == 2);
  // Keyed by ticket id: partitions do not keep the two in order.
  std::sort(tickets.begin(), tickets.end(),
            [](const Event& a, const Event& b) { return a.str("order_id") < b.str("order_id"); });
  CHECK(tickets[0].str("category") == "factory-submission-failed");
  CHECK(tickets[0].str("order_id") == "order-400");
  CHECK(tickets[1].str("category") == "factory-auth-failure");
  CHECK(tickets[1].str("severity") == "critical");
  CHECK(failed[0].str("ticket_id") == tickets[1].str("ticket_id"));
  CHECK(metric_is(adapter, "factory_auth_failures_total 1"));
  CHECK(metric_is(adapter, "factory_order_rejections_total 1"));
  auto list = adapter.call("GET", "/api/v1/placements?state=failed");
  CHECK(list.status == 200);
  CHECK(list.body.find("order-400") != std::string::npos);
  CHECK(list.body.find("order-401") != std::string::npos);
}

TEST_CASE("5xx until the retries are exhausted: submission-failed and a ticket", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  factory.set_down(true);
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_place_order(cluster, "order-down");
  auto failed = wait_events(cluster, kEvents, "factory.submission-failed", 1);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].str("error_class") == "server_error");
  CHECK(failed[0].num("attempts") == 6);  // 1 + 5 retries (seed 000)
  CHECK_FALSE(failed[0].flag("critical"));
  CHECK(factory.posts() == 6);
  auto tickets = wait_events(cluster, kTickets, "support.ticket-opened", 1);
  REQUIRE(tickets.size() == 1);
  CHECK(tickets[0].str("category") == "factory-submission-failed");
  CHECK(failed[0].str("ticket_id") == tickets[0].str("ticket_id"));
  CHECK(metric_is(adapter, R"(factory_order_placements_total{outcome="exhausted"} 1)"));
}

TEST_CASE("factory down: the breaker opens, placements wait, then complete", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  factory.set_down(true);
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir,
                  // Open long enough for B to be planned while it is open, even on a loaded machine.
                  {{"CAAS_FACTORY_BREAKER_FAILURES", "2"}, {"CAAS_FACTORY_BREAKER_OPEN", "5s"}});
  send_place_order(cluster, "order-a");
  REQUIRE(caas::testing::eventually([&] { return metric_is(adapter, "factory_circuit_breaker_state 1"); }, 20s));
  const auto attempts_a = factory.posts_with_key("order-a");
  CHECK(attempts_a == 2);
  send_place_order(cluster, "order-b");
  REQUIRE(caas::testing::eventually(
      [&] { return adapter.call("GET", "/api/v1/placements?state=pending").body.find("order-b") != std::string::npos; },
      20s));
  // While open nothing is sent: B waits without an attempt, A is not failed.
  REQUIRE(caas::testing::eventually([&] { return metric_is(adapter, "factory_circuit_breaker_waits_total"); }, 5s));
  CHECK(factory.posts_with_key("order-b") == 0);
  CHECK(read_events(cluster.bootstrap(), kEvents, "factory.submission-failed").empty());
  factory.set_down(false);
  auto placed = wait_events(cluster, kEvents, "factory.order-placed", 2);
  REQUIRE(placed.size() == 2);
  for (const auto& e : placed) {
    if (e.key == "order-b") CHECK(e.num("attempts") == 1);
  }
  CHECK(factory.posts_with_key("order-b") == 1);
  CHECK(caas::testing::eventually([&] { return metric_is(adapter, "factory_circuit_breaker_state 0"); }, 5s));
}

TEST_CASE("status webhooks: duplicate ignored, late recorded not applied, rework applied", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_place_order(cluster, "order-st");
  REQUIRE(wait_events(cluster, kEvents, "factory.order-placed", 1).size() == 1);
  const std::string fo = "FAC-order-st";
  const auto id1 = send_status(cluster, fo, "IN_PRODUCTION", "2026-11-02T08:00:00Z");
  send_status(cluster, fo, "IN_PRODUCTION", "2026-11-02T08:00:00.000Z");  // duplicate (same instant)
  send_status(cluster, fo, "QUALITY_CHECK", "2026-11-04T08:00:00Z");      // forward jump (missed one)
  send_status(cluster, fo, "ASSEMBLY_COMPLETE", "2026-11-03T08:00:00Z");  // late: recorded only
  send_status(cluster, fo, "IN_PRODUCTION", "2026-11-05T08:00:00Z");      // QC failed: rework
  auto changed = wait_events(cluster, kEvents, "factory.status-changed", 4);
  REQUIRE(changed.size() == 4);
  CHECK(changed[0].str("status") == "IN_PRODUCTION");
  CHECK(changed[0].str("previous_status") == "ORDERED");
  CHECK(changed[0].flag("applied"));
  CHECK(changed[0].str("source") == "webhook");
  CHECK(changed[0].str("ingress_event_id") == id1);
  CHECK(changed[0].key == "order-st");
  CHECK(changed[1].str("status") == "QUALITY_CHECK");
  CHECK(changed[1].flag("applied"));
  CHECK(changed[2].str("status") == "ASSEMBLY_COMPLETE");
  CHECK_FALSE(changed[2].flag("applied"));
  CHECK(changed[2].str("previous_status") == "QUALITY_CHECK");
  CHECK(changed[3].str("status") == "IN_PRODUCTION");
  CHECK(changed[3].flag("applied"));
  CHECK(changed[3].str("previous_status") == "QUALITY_CHECK");
  CHECK(caas::testing::eventually([&] { return metric_is(adapter, "factory_duplicate_webhooks_total 1"); }, 5s));
  CHECK(metric_is(adapter, R"(webhook_processing_total{outcome="duplicate"} 1)"));
  auto view = adapter.call("GET", "/api/v1/factory-orders/order-st");
  CHECK(view.body.find(
            R"("status":"ASSEMBLY_COMPLETE","timestamp":"2026-11-03T08:00:00Z","source":"webhook","applied":false)") !=
        std::string::npos);
  // No more events arrive for the duplicate.
  CHECK(read_events(cluster.bootstrap(), kEvents, "factory.status-changed").size() == 4);
}

TEST_CASE("a status for an unknown factory order ends in the DLQ after the grace", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_status(cluster, "FAC-NEVER-PLACED", "SHIPPED", "2026-11-02T08:00:00Z");
  auto dlq = devbroker::testing::consume_at_least(cluster.bootstrap(), "caas.dlq.factory-adapter.v1", 1, 20s);
  REQUIRE(dlq.size() == 1);
  CHECK(dlq[0].key == "FAC-NEVER-PLACED");
  auto message = kafka::find_header(dlq[0].headers, "dlq.error.message");
  REQUIRE(message);
  CHECK(message->find("aggregate 'FAC-NEVER-PLACED' not known within the grace period of 0.3 s") != std::string::npos);
  CHECK(kafka::find_header(dlq[0].headers, "dlq.error.class") == std::optional<std::string_view>("permanent"));
  CHECK(read_events(cluster.bootstrap(), kEvents, "factory.status-changed").empty());
}

TEST_CASE("status webhooks that overtook their placement are applied once it lands, in order", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir, {{"CAAS_INGRESS_UNKNOWN_ORDER_GRACE", "5m"}});
  const std::string fo = "FAC-order-early";
  const auto first = send_status(cluster, fo, "IN_PRODUCTION", "2026-11-02T08:00:00Z");
  const auto second = send_status(cluster, fo, "QUALITY_CHECK", "2026-11-03T08:00:00Z");
  REQUIRE(caas::testing::eventually(
      [&] {
        return metric_is(adapter,
                         R"(caas_waiting_records{group="caas-factory-adapter-status",service="factory-adapter"} 2)");
      },
      10s));
  CHECK(read_events(cluster.bootstrap(), kEvents, "factory.status-changed").empty());

  send_place_order(cluster, "order-early");
  auto changed = wait_events(cluster, kEvents, "factory.status-changed", 2);
  REQUIRE(changed.size() == 2);
  CHECK(changed[0].str("ingress_event_id") == first);
  CHECK(changed[0].str("status") == "IN_PRODUCTION");
  CHECK(changed[0].str("previous_status") == "ORDERED");
  CHECK(changed[0].flag("applied"));
  CHECK(changed[1].str("ingress_event_id") == second);
  CHECK(changed[1].str("previous_status") == "IN_PRODUCTION");
  CHECK(changed[1].flag("applied"));
  // On the order's key, the placement precedes its statuses.
  auto all = read_events(cluster.bootstrap(), kEvents);
  REQUIRE(all.size() == 3);
  CHECK(all[0].type == "factory.order-placed");
  CHECK(devbroker::testing::consume_all(cluster.bootstrap(), "caas.dlq.factory-adapter.v1").empty());
}

TEST_CASE("status webhooks for unknown ids on the same partition do not delay 50 live orders", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir, {{"CAAS_INGRESS_UNKNOWN_ORDER_GRACE", "10m"}});
  constexpr int kOrders = 50;
  for (int i = 0; i < kOrders; ++i) send_place_order(cluster, "order-live-" + std::to_string(i));
  REQUIRE(wait_events(cluster, kEvents, "factory.order-placed", kOrders, 60s).size() == kOrders);

  // One partition for all of them: each live webhook follows an unknown one.
  std::vector<kafka::Record> webhooks;
  for (int i = 0; i < kOrders; ++i) {
    webhooks.push_back(status_record("FAC-UNKNOWN-" + std::to_string(i), "IN_PRODUCTION", "2026-11-02T08:00:00Z"));
    webhooks.push_back(status_record("FAC-order-live-" + std::to_string(i), "IN_PRODUCTION", "2026-11-02T08:00:00Z"));
  }
  for (auto& w : webhooks) w.partition = 0;
  const auto sent = std::chrono::steady_clock::now();
  devbroker::testing::produce_all(cluster.bootstrap(), webhooks);
  auto changed = wait_events(cluster, kEvents, "factory.status-changed", kOrders, 60s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
  REQUIRE(changed.size() == kOrders);
  std::fprintf(stderr, "50 live orders behind 50 unknown-id webhooks on one partition: all status changes in %lld ms\n",
               static_cast<long long>(took.count()));
  // In-line retry held each unknown webhook for its whole retry budget
  // (seconds each); set aside, they cost a store write.
  CHECK(took < 10s);
  CHECK(caas::testing::eventually(
      [&] {
        return metric_is(adapter, R"(caas_waiting_records_total{outcome="set_aside",service="factory-adapter"} 50)");
      },
      5s));
  CHECK(devbroker::testing::consume_all(cluster.bootstrap(), "caas.dlq.factory-adapter.v1").empty());
}

TEST_CASE("polling finds a status the webhook never reported", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const std::string fo = "FAC-order-silent";
  factory.set_status(fo,
                     status_body(fo, "IN_PRODUCTION",
                                 {{"ORDERED", FakeFactory::kCreatedAt}, {"IN_PRODUCTION", "2026-11-03T09:00:00Z"}}));
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir,
                  {{"CAAS_FACTORY_STALE_AFTER", "200ms"}, {"CAAS_FACTORY_POLL_INTERVAL", "100ms"}});
  send_place_order(cluster, "order-silent");
  auto changed = wait_events(cluster, kEvents, "factory.status-changed", 1);
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].str("status") == "IN_PRODUCTION");
  CHECK(changed[0].str("source") == "poll");
  CHECK(changed[0].flag("applied"));
  CHECK(changed[0].str("timestamp") == "2026-11-03T09:00:00Z");
  auto found = wait_events(cluster, kEvents, "factory.discrepancy-found", 1);
  REQUIRE(found.size() == 1);
  CHECK(found[0].str("detected_by") == "poll");
  CHECK(found[0].str("caas_status") == "ORDERED");
  CHECK(found[0].str("factory_status") == "IN_PRODUCTION");
  CHECK(found[0].str("action") == "corrected");
  auto reports = adapter.call("GET", "/api/v1/reconciliation/reports");
  CHECK(reports.body.find(R"("trigger":"poll")") != std::string::npos);
  // IN_PRODUCTION is still watched: later polls find nothing new and emit nothing.
  REQUIRE(caas::testing::eventually([&] { return factory.requests().size() >= 3; }, 10s));
  CHECK(read_events(cluster.bootstrap(), kEvents, "factory.status-changed").size() == 1);
}

TEST_CASE("manual reconciliation corrects missed statuses and reports the discrepancy", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const std::string fo = "FAC-order-rec";
  factory.set_status(fo, status_body(fo, "SHIPPED",
                                     {{"ORDERED", FakeFactory::kCreatedAt},
                                      {"IN_PRODUCTION", "2026-11-02T08:00:00Z"},
                                      {"ASSEMBLY_COMPLETE", "2026-11-03T08:00:00Z"},
                                      {"QUALITY_CHECK", "2026-11-04T08:00:00Z"},
                                      {"READY_FOR_SHIPMENT", "2026-11-05T08:00:00Z"},
                                      {"SHIPPED", "2026-11-06T08:00:00Z"}}));
  const auto dir = fresh_dir();
  Adapter adapter(cluster, factory, dir);
  send_place_order(cluster, "order-rec");
  REQUIRE(wait_events(cluster, kEvents, "factory.order-placed", 1).size() == 1);
  send_status(cluster, fo, "IN_PRODUCTION", "2026-11-02T08:00:00Z");
  REQUIRE(wait_events(cluster, kEvents, "factory.status-changed", 1).size() == 1);

  auto run = adapter.call("POST", "/api/v1/reconciliation/run");
  REQUIRE(run.status == 200);
  CHECK(run.body.find(R"("trigger":"manual")") != std::string::npos);
  CHECK(
      run.body.find(
          R"("order_id":"order-rec","factory_order_id":"FAC-order-rec","caas_status":"IN_PRODUCTION","factory_status":"SHIPPED","action":"corrected")") !=
      std::string::npos);
  auto changed = wait_events(cluster, kEvents, "factory.status-changed", 5);
  REQUIRE(changed.size() == 5);
  const std::vector<std::string> expected{"ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT", "SHIPPED"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(changed[i + 1].str("status") == expected[i]);
    CHECK(changed[i + 1].str("source") == "reconciliation");
    CHECK(changed[i + 1].flag("applied"));
  }
  auto found = wait_events(cluster, kEvents, "factory.discrepancy-found", 1);
  REQUIRE(found.size() == 1);
  CHECK(found[0].str("detected_by") == "manual");
  auto reports = adapter.call("GET", "/api/v1/reconciliation/reports");
  CHECK(reports.body.find(R"("caas_status":"IN_PRODUCTION","factory_status":"SHIPPED")") != std::string::npos);
  CHECK(metric_is(adapter, "order_status_discrepancy_count 1"));
  // A second run finds nothing to correct.
  auto again = adapter.call("POST", "/api/v1/reconciliation/run");
  CHECK(again.body.find(R"("discrepancy_count":0)") != std::string::npos);
  CHECK(adapter.call("POST", "/api/v1/reconciliation/run", kDealerKey).status == 403);
}

TEST_CASE("restart mid-retry resumes the placement from the store without a second order", "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  factory.push({503, R"({"error":"busy"})", {}});
  const auto dir = fresh_dir();
  {
    Adapter first(cluster, factory, dir, {{"CAAS_FACTORY_RETRY_INITIAL", "1500ms"}});
    send_place_order(cluster, "order-restart");
    REQUIRE(caas::testing::eventually(
        [&] {
          auto v = first.call("GET", "/api/v1/factory-orders/order-restart");
          return v.body.find(R"("state":"pending")") != std::string::npos &&
                 v.body.find(R"("attempts":1)") != std::string::npos;
        },
        20s));
  }  // stopped while the retry waits
  CHECK(factory.posts() == 1);
  Adapter second(cluster, factory, dir, {{"CAAS_FACTORY_RETRY_INITIAL", "1500ms"}});
  auto placed = wait_events(cluster, kEvents, "factory.order-placed", 1);
  REQUIRE(placed.size() == 1);
  CHECK(placed[0].num("attempts") == 2);
  CHECK(factory.posts_with_key("order-restart") == 2);
  CHECK(factory.orders_created() == 1);
  CHECK(read_events(cluster.bootstrap(), kEvents, "factory.order-placed").size() == 1);
}

TEST_CASE("a wiped store is rebuilt from caas.factory.events.v1 with the same state and no new order or event",
          "[component]") {
  devbroker::MockCluster cluster(1);
  FakeFactory factory;
  const std::vector<std::string> orders{"order-w1", "order-w2", "order-w3"};
  const std::string fo1 = FakeFactory::order_id_for("order-w1");
  const std::string fo2 = FakeFactory::order_id_for("order-w2");
  const std::string fo3 = FakeFactory::order_id_for("order-w3");
  // The Factory's status API knows only order-w3, whose IN_PRODUCTION no
  // webhook reported: reconciliation finds it. The other two answer 404, so
  // the run leaves them untouched (a check that finds nothing leaves no event,
  // so its last_polled_at could not be rebuilt: see the README).
  factory.set_status(fo3,
                     status_body(fo3, "IN_PRODUCTION",
                                 {{"ORDERED", FakeFactory::kCreatedAt}, {"IN_PRODUCTION", "2026-11-03T09:00:00Z"}}));
  const auto dir = fresh_dir();
  std::map<std::string, std::string> documents;
  {
    Adapter first(cluster, factory, dir);
    for (const auto& o : orders) send_place_order(cluster, o);
    REQUIRE(wait_events(cluster, kEvents, "factory.order-placed", 3).size() == 3);
    send_status(cluster, fo1, "IN_PRODUCTION", "2026-11-02T08:00:00Z");
    send_status(cluster, fo1, "IN_PRODUCTION", "2026-11-02T08:00:00Z");      // duplicate: no event
    send_status(cluster, fo2, "QUALITY_CHECK", "2026-11-04T08:00:00Z");      // forward jump
    send_status(cluster, fo2, "ASSEMBLY_COMPLETE", "2026-11-03T08:00:00Z");  // late: recorded, not applied
    REQUIRE(wait_events(cluster, kEvents, "factory.status-changed", 3).size() == 3);
    REQUIRE(caas::testing::eventually([&] { return metric_is(first, "factory_duplicate_webhooks_total 1"); }, 10s));

    auto run = first.call("POST", "/api/v1/reconciliation/run");
    REQUIRE(run.status == 200);
    auto changed = wait_events(cluster, kEvents, "factory.status-changed", 4);
    REQUIRE(changed.size() == 4);
    CHECK(std::count_if(changed.begin(), changed.end(), [](const Event& e) {
            return e.str("source") == "reconciliation" && e.key == "order-w3" && e.flag("applied");
          }) == 1);
    REQUIRE(wait_events(cluster, kEvents, "factory.discrepancy-found", 1).size() == 1);

    for (const auto& o : orders) {
      auto view = first.call("GET", "/api/v1/factory-orders/" + o);
      REQUIRE(view.status == 200);
      documents[o] = view.body;
    }
    CHECK(documents["order-w1"].find(R"("customer_id":"CAAS-CUST-123456")") != std::string::npos);
    CHECK(
        documents["order-w2"].find(
            R"("status":"ASSEMBLY_COMPLETE","timestamp":"2026-11-03T08:00:00Z","source":"webhook","applied":false)") !=
        std::string::npos);
    CHECK(documents["order-w3"].find(R"("source":"reconciliation","applied":true)") != std::string::npos);
  }  // stopped: the outbox is drained
  const auto before = read_events(cluster.bootstrap(), kEvents);
  REQUIRE(before.size() == 8);  // 3 placed, 4 status-changed, 1 discrepancy-found
  const auto posts_before = factory.posts();
  REQUIRE(posts_before == 3);

  // The store is lost: everything must come back from the topics.
  REQUIRE(std::filesystem::exists(dir / "data" / "factory-adapter"));
  std::filesystem::remove_all(dir / "data");
  Adapter second(cluster, factory, dir);
  REQUIRE(caas::testing::eventually([&] { return second.ready(); }, 30s));

  for (const auto& o : orders) {
    auto view = second.call("GET", "/api/v1/factory-orders/" + o);
    REQUIRE(view.status == 200);
    const auto diff = json_diff(documents[o], view.body);
    INFO(o << " before: " << documents[o] << "\n" << o << " after:  " << view.body);
    CHECK(diff == std::vector<std::string>{});
  }
  CHECK(factory.posts() == posts_before);  // nothing placed again
  const auto after = read_events(cluster.bootstrap(), kEvents);
  CHECK(event_ids(after) == event_ids(before));
  CHECK(after.size() == before.size());
  CHECK(devbroker::testing::consume_all(cluster.bootstrap(), "caas.dlq.factory-adapter.v1").empty());
  // Every replayed webhook was found in the rebuilt history: no event.
  CHECK(metric_is(second, "factory_duplicate_webhooks_total 4"));
}
