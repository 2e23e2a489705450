// Acceptance: records sent while every partition leader is down are all
// delivered once the brokers return, exactly once and in order per partition.
//
// librdkafka 2.0.2's mock broker does NOT deduplicate idempotent retries
// (same PID/sequence is appended twice), so the "ack lost after the broker
// stored the batch" case can only be checked for at-least-once + order here;
// against real Kafka the idempotent producer makes it exactly-once.

#include "support.hpp"

#include <caas/devbroker/testing.hpp>

#include <atomic>
#include <set>
#include <thread>

using namespace caas::kafka;
using namespace caas::kafka::test;
using caas::devbroker::MockCluster;

namespace {

/// Waits (bounded) for a condition that other threads make true.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});  // bounded re-check, not a sync stand-in
  }
  return true;
}

}  // namespace

namespace {

constexpr int kRecords = 2000;
constexpr int kPartitions = 3;
const std::string kTopic = "fault.v1";

struct Outcome {
  int ok = 0;
  int failed = 0;
  std::vector<ConsumedRecord> records;
};

/// Sends kRecords; takes every leader down mid-stream, sends more, brings
/// them back, flushes, reads the topic back. With lose_acks, the outage
/// happens after the brokers stored the first batches but before they acked.
Outcome run_outage(bool lose_acks) {
  MockCluster cluster(3, one_topic(kTopic, kPartitions));
  for (int p = 0; p < kPartitions; ++p) cluster.partition_leader(kTopic, p, p + 1);
  if (lose_acks) {
    for (auto id : cluster.broker_ids()) cluster.delay_responses(id, 0 /* Produce */, 2, 3000);
  }
  Consumer observer({cluster.bootstrap(), "fault-observer", {}}, ConsumerOptions{});
  auto stored = [&] {
    auto marks = observer.query_watermarks(kTopic, 2s);
    std::int64_t n = 0;
    if (marks)
      for (const auto& w : *marks) n += w.high;
    return n;
  };
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  {
    // Short reconnect backoff so the test does not wait on librdkafka's 10 s max.
    Producer producer(
        {cluster.bootstrap(), "fault-producer", {{"reconnect.backoff.max.ms", "200"}, {"retry.backoff.ms", "50"}}});
    auto send = [&](int i) {
      Record r{kTopic, "key-" + std::to_string(i % 40), std::to_string(i), {{"seq", std::to_string(i)}}, std::nullopt};
      REQUIRE(producer.send(std::move(r), [&](const DeliveryReport& rep) { (rep.ok() ? ok : failed).fetch_add(1); }) ==
              SendStatus::queued);
    };
    int i = 0;
    for (; i < kRecords / 2; ++i) send(i);
    if (lose_acks) {
      // Stored by the brokers, acks still held back by the delay.
      REQUIRE(eventually([&] { return stored() > ok.load(); }, 15s));
      CHECK(ok.load() == 0);
    } else {
      // Some acknowledged, the rest still queued or in flight.
      REQUIRE(eventually([&] { return ok.load() > 0; }, 15s));
    }
    for (auto id : cluster.broker_ids()) cluster.broker_down(id);
    for (; i < kRecords * 3 / 4; ++i) send(i);
    // The client really saw the outage before it is healed.
    CHECK(eventually([&] { return !producer.brokers_reachable_hint(); }, 15s));
    for (; i < kRecords; ++i) send(i);
    CHECK(ok.load() < kRecords);
    for (auto id : cluster.broker_ids()) cluster.broker_up(id);
    REQUIRE(producer.flush(60s));
  }
  return {ok.load(), failed.load(), caas::devbroker::testing::consume_all(cluster.bootstrap(), kTopic, 30s)};
}

}  // namespace

TEST_CASE("broker fault: leaders down mid-stream, then up: N delivered, no duplicates, ordered") {
  const auto out = run_outage(false);
  CHECK(out.failed == 0);
  CHECK(out.ok == kRecords);
  REQUIRE(out.records.size() == static_cast<std::size_t>(kRecords));
  std::set<int> seen;
  std::map<std::string, int> last_by_key;
  std::map<int, std::int64_t> last_offset;
  for (const auto& r : out.records) {
    const int v = std::stoi(r.value);
    CHECK(seen.insert(v).second);  // no duplicates
    CHECK(find_header(r.headers, "seq") == r.value);
    auto [it, fresh] = last_by_key.emplace(r.key, v);
    if (!fresh) {
      CHECK(it->second < v);  // per-key (hence per-partition) produce order
      it->second = v;
    }
    auto [po, first] = last_offset.emplace(r.partition, r.offset);
    if (!first) {
      CHECK(r.offset == po->second + 1);  // contiguous offsets
      po->second = r.offset;
    }
  }
  CHECK(seen.size() == static_cast<std::size_t>(kRecords));
}

TEST_CASE("broker fault with lost acks: every record delivered, order kept (mock cannot dedupe)") {
  const auto out = run_outage(true);
  CHECK(out.failed == 0);
  CHECK(out.ok == kRecords);
  REQUIRE(out.records.size() >= static_cast<std::size_t>(kRecords));
  // At-least-once: every value present; the first occurrences keep per-key
  // order. The surplus is the re-sent batch the 2.0.2 mock stored twice.
  std::set<int> seen;
  std::map<std::string, int> last_by_key;
  for (const auto& r : out.records) {
    const int v = std::stoi(r.value);
    if (!seen.insert(v).second) continue;
    auto [it, fresh] = last_by_key.emplace(r.key, v);
    if (!fresh) {
      CHECK(it->second < v);
      it->second = v;
    }
  }
  CHECK(seen.size() == static_cast<std::size_t>(kRecords));
  WARN("records stored by the mock: " << out.records.size() << " for " << kRecords << " sent");
}
