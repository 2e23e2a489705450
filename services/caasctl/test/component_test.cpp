// Every read command of caasctl against a private in-process broker
// (libs/devbroker), run in-process with the arguments an operator types.
#include "cli_harness.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/events/envelope.hpp>
#include <caas/kafka/consumer.hpp>
#include <caas/kafka/dlq.hpp>

#include "event_factory.hpp"

#include <catch2/catch.hpp>

using namespace caas;
using namespace caas::ctl::testing;
using namespace std::chrono_literals;

namespace {

kafka::Record flow_event(const std::string& topic, const std::string& key, const std::string& correlation,
                         const std::string& time, const std::string& name) {
  auto clock = [time] { return *events::parse_rfc3339(time); };
  auto e = events::make_envelope("test.sample", "caas/test", key, R"({"name":")" + name + R"(","count":1})",
                                 correlation, "", clock);
  REQUIRE(e);
  kafka::Record r{topic, key, events::serialize(*e), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(*e)) r.headers.push_back({k, v});
  return r;
}

kafka::Record dead_letter(const std::string& service, const std::string& key, std::int64_t offset,
                          kafka::ErrorClass cls, const std::string& why, bool parked) {
  auto original = testing::sample_event("caas.order.commands.v1", key, "n" + std::to_string(offset), 1);
  kafka::ConsumedRecord consumed{original.topic, 0, offset, original.key, original.value, original.headers};
  return kafka::make_dlq_record(service, consumed.view(),
                                {cls, why, 1, std::chrono::system_clock::now(), parked, true});
}

}  // namespace

TEST_CASE("component: topic list shows partitions, offsets and record counts", "[component][caasctl]") {
  devbroker::MockCluster cluster(1);
  Cli cli{cluster.bootstrap()};
  devbroker::testing::produce_all(cluster.bootstrap(), {testing::sample_event("caas.order.events.v1", "o-1", "a", 1),
                                                        testing::sample_event("caas.order.events.v1", "o-2", "b", 2),
                                                        testing::sample_event("caas.order.events.v1", "o-3", "c", 3)});
  auto r = cli({"topic", "list", "--prefix", "caas.order."});
  REQUIRE(r.rc == 0);
  auto lines = r.lines();
  REQUIRE(lines.size() == 2);  // caas.order.commands.v1, caas.order.events.v1
  CHECK(str(lines[1], "topic") == "caas.order.events.v1");
  CHECK(num(lines[1], "partitions") == 6);
  CHECK(num(lines[1], "records") == 3);
  CHECK(num(lines[1], "end") == 3);
  CHECK(lines[1]["offsets"].IsArray());
  CHECK(lines[1]["offsets"].Size() == 6);
  auto table = cli({"topic", "list", "--prefix", "caas.order.", "-o", "table"});
  CHECK(table.out.find("TOPIC") == 0);
  CHECK(cli({"topic", "list", "--prefix", "nothing."}).rc == 3);
}

TEST_CASE("component: tail decodes CloudEvents and filters by key, type, header, time and offset",
          "[component][caasctl]") {
  devbroker::MockCluster cluster(1);
  Cli cli{cluster.bootstrap()};
  const std::string topic = "caas.support.tickets.v1";
  auto a = testing::sample_event(topic, "t-1", "first", 1);
  auto b = testing::sample_event(topic, "t-2", "second", 2);
  b.headers.push_back({"x-tenant", "acme"});
  auto c = testing::event_record(topic, "t-1", "test.other", R"({"x":1})");
  devbroker::testing::produce_all(cluster.bootstrap(), {a, b, c});

  auto all = cli({"tail", topic});
  REQUIRE(all.rc == 0);
  const auto all_lines = all.lines();
  REQUIRE(all_lines.size() == 3);
  const auto& first = all_lines[0];
  CHECK(str(first, "type").rfind("test.", 0) == 0);
  CHECK(first["data"].IsObject());
  CHECK(str(first, "correlationid") == "test-correlation");
  CHECK(str(first, "id").size() == 36);

  auto by_key = cli({"tail", topic, "--key", "t-1"});
  CHECK(by_key.lines().size() == 2);
  auto by_type = cli({"tail", topic, "--type", "test.other"});
  REQUIRE(by_type.lines().size() == 1);
  CHECK(by_type.lines()[0]["data"]["x"].GetInt() == 1);
  auto by_header = cli({"tail", topic, "--header", "x-tenant=acme"});
  REQUIRE(by_header.lines().size() == 1);
  CHECK(str(by_header.lines()[0], "key") == "t-2");
  CHECK(cli({"tail", topic, "--since", "+1h"}).rc == 3);
  CHECK(cli({"tail", topic, "--since", "-1h"}).lines().size() == 3);
  CHECK(cli({"tail", topic, "--from", "end"}).rc == 3);
  CHECK(cli({"tail", topic, "--max", "2"}).lines().size() == 2);
  auto followed = cli({"tail", topic, "--follow", "--max", "3", "--from", "start"});
  CHECK(followed.rc == 0);
  CHECK(followed.lines().size() == 3);
  auto wide = cli({"tail", topic, "-o", "wide", "--key", "t-2"});
  CHECK(wide.out.find("HEADERS") != std::string::npos);
  CHECK(wide.out.find("x-tenant") != std::string::npos);
}

TEST_CASE("component: group lag per partition from the group's committed offsets", "[component][caasctl]") {
  devbroker::MockCluster cluster(1);
  Cli cli{cluster.bootstrap()};
  const std::string topic = "caas.support.tickets.v1";
  std::vector<kafka::Record> records;
  for (int i = 0; i < 5; ++i) {
    auto r = testing::sample_event(topic, "k", "n" + std::to_string(i), i);
    r.partition = 1;
    records.push_back(r);
  }
  devbroker::testing::produce_all(cluster.bootstrap(), records);
  {
    kafka::ConsumerOptions opts;
    opts.group_id = "lag-group";
    kafka::Consumer consumer({cluster.bootstrap(), "committer", {}}, opts);
    REQUIRE(consumer.commit({{topic, 1, 2}}));
  }
  auto r = cli({"group", "lag", "--group", "lag-group", "--topic", topic});
  REQUIRE(r.rc == 0);
  auto lines = r.lines();
  REQUIRE(lines.size() == 1);
  CHECK(num(lines[0], "partition") == 1);
  CHECK(num(lines[0], "committed") == 2);
  CHECK(num(lines[0], "end") == 5);
  CHECK(num(lines[0], "lag") == 3);
  CHECK(cli({"group", "lag", "--group", "no-such-group", "--topic", topic}).rc == 3);
}

TEST_CASE("component: trace follows one correlation id across topics in time order", "[component][caasctl]") {
  devbroker::MockCluster cluster(1);
  Cli cli{cluster.bootstrap()};
  devbroker::testing::produce_all(
      cluster.bootstrap(), {flow_event("caas.order.events.v1", "o-1", "flow-1", "2026-12-03T10:00:02Z", "second"),
                            flow_event("caas.order.commands.v1", "o-1", "flow-1", "2026-12-03T10:00:01Z", "first"),
                            flow_event("caas.factory.commands.v1", "o-1", "flow-1", "2026-12-03T10:00:03Z", "third"),
                            flow_event("caas.order.events.v1", "o-2", "flow-2", "2026-12-03T10:00:00Z", "other")});
  auto r = cli({"trace", "flow-1"});
  REQUIRE(r.rc == 0);
  auto lines = r.lines();
  REQUIRE(lines.size() == 3);
  CHECK(str(lines[0], "topic") == "caas.order.commands.v1");
  CHECK(str(lines[1], "topic") == "caas.order.events.v1");
  CHECK(str(lines[2], "topic") == "caas.factory.commands.v1");
  CHECK(cli({"trace", "flow-none"}).rc == 3);
}

TEST_CASE("component: dlq list, search, show and stats over every DLQ, other teams' included",
          "[component][caasctl][dlq]") {
  devbroker::MockCluster cluster(1);
  Cli cli{cluster.bootstrap()};
  auto connect = testing::sample_event("dlq-orders-sink", "c-1", "c", 1);
  connect.headers = {{"__connect.errors.topic", "orders"},
                     {"__connect.errors.partition", "0"},
                     {"__connect.errors.offset", "7"},
                     {"__connect.errors.connector.name", "jdbc-sink"},
                     {"__connect.errors.exception.class.name", "DataException"},
                     {"__connect.errors.exception.message", "bad bytes"}};
  devbroker::testing::produce_all(
      cluster.bootstrap(),
      {dead_letter("order", "o-1", 10, kafka::ErrorClass::permanent, "illegal transition PENDING -> DELIVERED", false),
       dead_letter("order", "o-1", 11, kafka::ErrorClass::permanent, "parked", true),
       dead_letter("notification", "c-9", 3, kafka::ErrorClass::transient_exhausted, "smtp timeout", false), connect});

  auto all = cli({"dlq", "list"});
  REQUIRE(all.rc == 0);
  auto lines = all.lines();
  REQUIRE(lines.size() == 4);
  auto by_service = cli({"dlq", "list", "--service", "order"});
  REQUIRE(by_service.lines().size() == 2);
  CHECK(str(by_service.lines()[0], "original") == "caas.order.commands.v1/0/10");
  CHECK(str(by_service.lines()[0], "status") == "pending");
  CHECK(by_service.lines()[1]["parked"].GetBool());
  CHECK(cli({"dlq", "list", "--error-class", "transient-exhausted"}).lines().size() == 1);
  CHECK(cli({"dlq", "list", "--error", "ILLEGAL"}).lines().size() == 1);
  CHECK(cli({"dlq", "list", "--original-topic", "orders"}).lines().size() == 1);
  CHECK(cli({"dlq", "list", "--key", "nobody"}).rc == 3);

  auto keys = cli({"dlq", "list", "--keys"});
  REQUIRE(keys.rc == 0);
  REQUIRE(keys.lines().size() == 2);    // o-1 (order), c-9 (notification): both services park here
  const auto key_lines = keys.lines();  // in DLQ topic order: notification, then order
  CHECK(str(key_lines[0], "key") == "c-9");
  CHECK(str(key_lines[1], "key") == "o-1");
  CHECK(num(key_lines[1], "pending") == 2);
  CHECK(num(key_lines[1], "behind") == 1);

  auto search = cli({"dlq", "search", "smtp"});
  REQUIRE(search.lines().size() == 1);
  CHECK(str(search.lines()[0], "service") == "notification");

  const auto ref = str(by_service.lines()[0], "ref");
  auto show = cli({"dlq", "show", ref});
  REQUIRE(show.rc == 0);
  const auto shown = show.lines();
  REQUIRE(shown.size() == 1);
  const auto& d = shown[0];
  CHECK(str(d, "error") == "illegal transition PENDING -> DELIVERED");
  CHECK(d["headers"].HasMember("dlq.original.offset"));
  CHECK(d["headers"].HasMember("dlq.first-failed-at"));
  CHECK(d["data"].IsObject());
  auto show_table = cli({"dlq", "show", ref, "-o", "table"});
  CHECK(show_table.out.find("error: illegal transition") != std::string::npos);
  CHECK(cli({"dlq", "show", "caas.dlq.order.v1/0/999"}).rc == 3);

  auto stats = cli({"dlq", "stats", "--by", "service"});
  REQUIRE(stats.rc == 0);
  auto s = stats.lines();
  REQUIRE(s.size() == 3);
  CHECK(str(s[0], "service") == "jdbc-sink");
  CHECK(str(s[2], "service") == "order");
  CHECK(num(s[2], "count") == 2);
  CHECK(num(s[2], "parked") == 1);
  CHECK(cli({"dlq", "stats", "--by", "error-class"}).lines().size() == 3);
  CHECK(cli({"dlq", "stats", "--by", "color"}).rc == 2);
  CHECK(cli({"dlq", "history"}).rc == 3);
}
