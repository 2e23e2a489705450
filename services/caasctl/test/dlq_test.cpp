// Dead letters of every origin decoded the same way; filters; parked keys.
#include "dlq/audit.hpp"
#include "dlq/dead_letter.hpp"

#include <caas/events/envelope.hpp>
#include <caas/kafka/dlq.hpp>

#include <catch2/catch.hpp>

using namespace caas;
using namespace caas::ctl;

namespace {

std::string envelope(const std::string& key, const std::string& data) {
  auto e = events::make_envelope("test.sample", "caas/test", key, data, "corr-1", "");
  REQUIRE(e);
  return events::serialize(*e);
}

// A dead letter as EventProcessor writes it (libs/kafka make_dlq_record).
DeadLetter caas_dead_letter(const std::string& key, std::int64_t dlq_offset, std::int64_t original_offset, bool parked,
                            const std::string& service = "ledger") {
  kafka::ConsumedRecord original{
      "caas.test.ledger.v1",       1, original_offset, key, envelope(key, R"({"name":"x","count":1})"),
      {{"ce_type", "test.sample"}}};
  kafka::DlqInfo info{kafka::ErrorClass::permanent, "schema violation: count", 1, {}, parked, true};
  auto r = kafka::make_dlq_record(service, original.view(), info);
  kafka::ConsumedRecord dlq{r.topic, 0, dlq_offset, r.key, r.value, r.headers};
  return decode_dead_letter(dlq, 1796299200000 + dlq_offset);
}

}  // namespace

TEST_CASE("dlq: the platform's dead letters decode with every dlq header", "[unit][caasctl]") {
  auto d = caas_dead_letter("k1", 4, 17, false);
  CHECK(d.format == DlqFormat::caas);
  CHECK(d.ref.str() == "caas.dlq.ledger.v1/0/4");
  CHECK(d.service == "ledger");
  CHECK(d.original_topic == "caas.test.ledger.v1");
  CHECK(d.original_partition == 1);
  CHECK(d.original_offset == 17);
  CHECK(d.error_class == "permanent");
  CHECK(d.error_message == "schema violation: count");
  CHECK(d.attempts == 1);
  CHECK_FALSE(d.parked);
  CHECK(d.key_parked);
  CHECK(d.envelope);
  CHECK(d.event_type == "test.sample");
  CHECK(d.correlation_id == "corr-1");
  CHECK(d.data == R"({"name":"x","count":1})");
}

TEST_CASE("dlq: Kafka Connect and Spring dead letters decode the same way", "[unit][caasctl]") {
  kafka::ConsumedRecord connect{
      "dlq-orders-sink",
      0,
      3,
      "k",
      "{}",
      {{"__connect.errors.topic", "orders"},
       {"__connect.errors.partition", "2"},
       {"__connect.errors.offset", "99"},
       {"__connect.errors.connector.name", "jdbc-sink"},
       {"__connect.errors.exception.class.name", "org.apache.kafka.connect.errors.DataException"},
       {"__connect.errors.exception.message", "Converting byte[] failed"}}};
  auto c = decode_dead_letter(connect, 0);
  CHECK(c.format == DlqFormat::connect);
  CHECK(c.service == "jdbc-sink");
  CHECK(c.original_topic == "orders");
  CHECK(c.original_partition == 2);
  CHECK(c.original_offset == 99);
  CHECK(c.error_class == "org.apache.kafka.connect.errors.DataException");
  CHECK(c.error_message == "Converting byte[] failed");
  CHECK_FALSE(c.key_parked);

  // Spring Kafka: partition as a 4-byte and offset as an 8-byte big-endian integer.
  kafka::ConsumedRecord spring{"orders.DLT",
                               0,
                               0,
                               "k",
                               "not json",
                               {{"kafka_dlt-original-topic", "orders"},
                                {"kafka_dlt-original-partition", std::string("\x00\x00\x00\x05", 4)},
                                {"kafka_dlt-original-offset", std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8)},
                                {"kafka_dlt-original-consumer-group", "billing"},
                                {"kafka_dlt-exception-fqcn", "java.lang.IllegalStateException"},
                                {"kafka_dlt-exception-message", "boom"}}};
  auto s = decode_dead_letter(spring, 0);
  CHECK(s.format == DlqFormat::spring);
  CHECK(s.service == "billing");
  CHECK(s.original_partition == 5);
  CHECK(s.original_offset == 258);
  CHECK(s.error_message == "boom");
  CHECK_FALSE(s.envelope);

  CHECK(is_dlq_topic("caas.dlq.order.v1"));
  CHECK(is_dlq_topic("orders.DLT"));
  CHECK(is_dlq_topic("dlq-orders-sink"));
  CHECK_FALSE(is_dlq_topic("caas.order.events.v1"));
}

TEST_CASE("dlq: filters by service, key, error, header, time and resolution", "[unit][caasctl]") {
  auto d = caas_dead_letter("k1", 4, 17, false);
  AuditState audit;
  DlqFilter f;
  CHECK(f.matches(d, audit));
  f.service = "ledger";
  f.key = "k1";
  f.error_text = "SCHEMA";
  f.headers = {{"ce_type", "test.sample"}};
  CHECK(f.matches(d, audit));
  f.headers = {{"ce_type", "other"}};
  CHECK_FALSE(f.matches(d, audit));
  f.headers.clear();
  f.since = TimePoint(std::chrono::milliseconds(1796299200000 + 5));
  CHECK_FALSE(f.matches(d, audit));
  f.since.reset();
  audit.resolved[d.ref] = {"redrive", "p", "t"};
  CHECK_FALSE(f.matches(d, audit));
  f.include_resolved = true;
  CHECK(f.matches(d, audit));
}

TEST_CASE("dlq: a parked key's chain is its pending dead letters in the order the service met them",
          "[unit][caasctl]") {
  std::vector<DeadLetter> all{caas_dead_letter("k1", 0, 10, false), caas_dead_letter("k2", 1, 11, false),
                              caas_dead_letter("k1", 2, 12, true), caas_dead_letter("k1", 3, 13, true)};
  AuditState audit;
  auto chain = chain_of(all[3], all, audit);
  REQUIRE(chain.size() == 3);
  CHECK(chain[0]->ref.offset == 0);
  CHECK(chain[1]->ref.offset == 2);
  CHECK(chain[2]->ref.offset == 3);
  auto keys = parked_keys(all, audit);
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].key == "k1");
  CHECK(keys[0].chain.size() == 3);
  audit.resolved[all[0].ref] = {"redrive", "p", "t"};
  audit.resolved[all[2].ref] = {"redrive", "p", "t"};
  audit.resolved[all[3].ref] = {"redrive", "p", "t"};
  CHECK(parked_keys(all, audit).size() == 1);
}

TEST_CASE("dlq: audit actions round-trip and fold into resolved and edited records", "[unit][caasctl]") {
  events::SchemaRegistry schemas{CAAS_SCHEMA_DIR};
  auto d = caas_dead_letter("k1", 0, 10, false);
  AuditAction edit;
  edit.action = "edit";
  edit.outcome = "completed";
  edit.actor = "alice@host";
  edit.reason = "fix count";
  edit.at = "2026-12-03T12:00:00.000Z";
  edit.records = {audited(d)};
  edit.data_before = R"({"name":"x","count":-1})";
  edit.data_after = R"({"name":"x","count":1})";
  auto record = audit_record(edit, "k1", schemas);
  REQUIRE(record);
  CHECK(record->topic == "caas.ops.audit.v1");
  CHECK(record->key == "k1");
  auto back = parse_audit(record->value);
  REQUIRE(back);
  CHECK(back->action == "edit");
  CHECK(back->actor == "alice@host");
  CHECK(back->subject == "k1");
  REQUIRE(back->records.size() == 1);
  CHECK(back->records[0].dlq == d.ref);
  CHECK(back->data_after == R"({"name":"x","count":1})");
  AuditState state;
  fold(state, *back);
  CHECK(state.edits.at(d.ref).data_after == R"({"name":"x","count":1})");
  CHECK(state.resolved.empty());

  AuditAction bad = edit;
  bad.action = "delete-everything";  // not in the schema's enum
  CHECK_FALSE(audit_record(bad, "k1", schemas));
}
