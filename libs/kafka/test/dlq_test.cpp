#include <caas/kafka/dlq.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace caas::kafka;
using namespace std::chrono;

namespace {

std::map<std::string, std::string> dlq_only(const Headers& headers) {
  std::map<std::string, std::string> out;
  for (const auto& h : headers) {
    if (h.key.starts_with("dlq.")) {
      REQUIRE(out.emplace(h.key, h.value).second);  // each exactly once
    }
  }
  return out;
}

struct FakeSink : RecordSink {
  std::vector<Record> sent;
  SendStatus send(Record record, DeliveryCallback on_delivery) override {
    sent.push_back(record);
    DeliveryReport r;
    r.topic = record.topic;
    r.partition = 0;
    r.offset = static_cast<std::int64_t>(sent.size() - 1);
    on_delivery(r);
    return SendStatus::queued;
  }
};

const auto kFailedAt = sys_days{2024y / 5 / 1} + 12h + 34min + 56s + 789ms;

}  // namespace

TEST_CASE("make_dlq_record keeps key, value and headers and adds exactly the dlq headers") {
  const Headers original_headers{{"ce_type", "order.placed"}, {"ce_id", "e-1"}, {"bin", std::string("\0\x01", 2)}};
  ConsumedRecord original{"caas.order.events.v1", 4, 1234, "order-7", std::string("{\"a\":1}\0x", 9), original_headers};
  const auto r = make_dlq_record("order", original.view(),
                                 {ErrorClass::permanent, "schema invalid: /data/x", 1, kFailedAt, false});
  CHECK(r.topic == "caas.dlq.order.v1");
  CHECK(r.key == original.key);
  CHECK(r.value == original.value);  // byte-identical, embedded NUL included
  CHECK_FALSE(r.partition.has_value());
  REQUIRE(r.headers.size() == original_headers.size() + 8);
  CHECK(Headers(r.headers.begin(), r.headers.begin() + 3) == original_headers);
  const std::map<std::string, std::string> expected{
      {"dlq.original.topic", "caas.order.events.v1"},
      {"dlq.original.partition", "4"},
      {"dlq.original.offset", "1234"},
      {"dlq.error.class", "permanent"},
      {"dlq.error.message", "schema invalid: /data/x"},
      {"dlq.service", "order"},
      {"dlq.attempts", "1"},
      {"dlq.first-failed-at", "2024-05-01T12:34:56.789Z"},
  };
  CHECK(dlq_only(r.headers) == expected);
}

TEST_CASE("parked dead letters carry dlq.parked=true and the transient-exhausted class") {
  ConsumedRecord original{"caas.ota.events.v1", 0, 9, "VIN1", "v", {}};
  const auto r =
      make_dlq_record("ota-engine", original.view(), {ErrorClass::transient_exhausted, "timeout", 7, kFailedAt, true});
  const auto h = dlq_only(r.headers);
  CHECK(h.at("dlq.parked") == "true");
  CHECK(h.at("dlq.error.class") == "transient-exhausted");
  CHECK(h.at("dlq.attempts") == "7");
  CHECK(h.size() == 9);
}

TEST_CASE("a dead letter that fails again gets fresh dlq headers, not duplicates") {
  ConsumedRecord replayed{
      "caas.order.events.v1", 1, 50, "k", "v", {{"ce_id", "x"}, {"dlq.attempts", "3"}, {"dlq.parked", "true"}}};
  const auto r = make_dlq_record("order", replayed.view(), {ErrorClass::permanent, "again", 1, kFailedAt, false});
  const auto h = dlq_only(r.headers);
  CHECK(h.at("dlq.attempts") == "1");
  CHECK(h.count("dlq.parked") == 0);
  CHECK(find_header(r.headers, "ce_id") == "x");
}

TEST_CASE("DlqPublisher sends to the service's DLQ topic through the sink") {
  FakeSink sink;
  DlqPublisher dlq(sink, "notification");
  CHECK(dlq.topic() == "caas.dlq.notification.v1");
  ConsumedRecord original{"caas.order.events.v1", 2, 3, "c-1", "payload", {}};
  bool delivered = false;
  const auto status = dlq.publish(original.view(), ErrorClass::permanent, "bad", 1, kFailedAt, false,
                                  [&](const DeliveryReport& r) { delivered = r.ok(); });
  CHECK(status == SendStatus::queued);
  CHECK(delivered);
  REQUIRE(sink.sent.size() == 1);
  CHECK(sink.sent[0].topic == "caas.dlq.notification.v1");
  CHECK(find_header(sink.sent[0].headers, "dlq.service") == "notification");
}
