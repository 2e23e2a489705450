// EventProcessor without a broker: a scripted RecordSource feeds it records,
// a real StateStore holds what it commits. Dedup, offsets, dead letters,
// retries, parking, the waiting room and "caught up" are checked here; the
// acceptance tests repeat the important ones over the Kafka protocol.
#include <caas/events/envelope.hpp>
#include <caas/kafka/dlq.hpp>
#include <caas/service/event_processor.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>

using namespace caas;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTopic = "caas.test.input.v1";

// What the test pushes and the source hands out, shared with the processor thread.
struct Script {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<service::Polled> items;
  std::vector<std::int32_t> partitions{0};
  std::vector<kafka::TopicPartitionOffset> assigned;  // as on_assigned left them (start offsets)

  void push(service::Polled p) {
    {
      std::lock_guard lock(mutex);
      items.push_back(std::move(p));
    }
    cv.notify_all();
  }
};

class ScriptedSource final : public service::RecordSource {
 public:
  ScriptedSource(Script& script, kafka::ConsumerOptions options) : script_(script), options_(std::move(options)) {}
  Result<void> subscribe(const std::vector<std::string>& topics) override {
    topics_ = topics;
    return {};
  }
  std::optional<service::Polled> poll(std::chrono::milliseconds timeout) override {
    if (!assigned_) {
      assigned_ = true;
      std::vector<kafka::TopicPartitionOffset> parts;
      for (const auto& t : topics_) {
        for (auto p : script_.partitions) parts.push_back({t, p, kafka::kOffsetStored});
      }
      if (options_.on_assigned) options_.on_assigned(parts);
      std::lock_guard lock(script_.mutex);
      script_.assigned = parts;
    }
    std::unique_lock lock(script_.mutex);
    if (!script_.cv.wait_for(lock, timeout, [&] { return !script_.items.empty(); })) return std::nullopt;
    auto next = std::move(script_.items.front());
    script_.items.pop_front();
    return next;
  }
  Result<void> pause(const std::vector<kafka::TopicPartition>&) override { return {}; }
  Result<void> resume(const std::vector<kafka::TopicPartition>&) override { return {}; }
  Result<void> commit(const std::vector<kafka::TopicPartitionOffset>&, bool) override { return {}; }
  bool close() override { return true; }

 private:
  Script& script_;
  kafka::ConsumerOptions options_;
  std::vector<std::string> topics_;
  bool assigned_ = false;
};

kafka::ConsumedRecord sample(const std::string& key, std::int64_t offset, const std::string& name, int count = 1,
                             std::int32_t partition = 0) {
  auto envelope =
      events::make_envelope("test.sample", "caas/test", key,
                            R"({"name":")" + name + R"(","count":)" + std::to_string(count) + "}", "corr-" + name, "");
  REQUIRE(envelope);
  kafka::ConsumedRecord r{kTopic, partition, offset, key, events::serialize(*envelope), {}};
  for (auto& [k, v] : events::kafka_headers(*envelope)) r.headers.push_back({k, v});
  return r;
}

kafka::ConsumedRecord with_offset(kafka::ConsumedRecord r, std::int64_t offset) {
  r.offset = offset;
  return r;
}

// The processor under test, its store and what its handler saw.
struct Rig {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("caas-processor-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::unique_ptr<store::StateStore> store;
  events::SchemaRegistry schemas{CAAS_SCHEMA_DIR};
  observability::Logger log{{"processortest", "test", observability::LogLevel::error, {}}};
  observability::Metrics metrics{false};
  Script script;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> applied;  // "<key>:<name>"
  std::map<std::string, int> calls;  // handler calls per name
  int caught_up_calls = 0;
  std::function<service::HandlerOutcome(const service::ConsumedEvent&, store::WriteTxn&)> decide;
  std::unique_ptr<service::EventProcessor> processor;
  static inline int counter = 0;

  explicit Rig(service::EventProcessorOptions options = {}) {
    std::filesystem::remove_all(dir);
    store = store::StateStore::open(dir);
    options.service = "processortest";
    options.topics = {kTopic};
    options.group_id = "processortest";
    options.retry_backoff_initial = 1ms;
    options.retry_backoff_max = 2ms;
    options.poll_timeout = 20ms;
    options.on_caught_up = [this, also = std::move(options.on_caught_up)] {
      if (also) also();
      std::lock_guard lock(mutex);
      ++caught_up_calls;
      changed.notify_all();
    };
    processor = std::make_unique<service::EventProcessor>(
        options,
        [this](kafka::ConsumerOptions copts) { return std::make_unique<ScriptedSource>(script, std::move(copts)); },
        *store, schemas, log, metrics,
        [this](const service::ConsumedEvent& e, store::WriteTxn& txn) {
          const auto at = e.envelope.data.find("\"name\":\"") + 8;
          const auto name = e.envelope.data.substr(at, e.envelope.data.find('"', at) - at);
          auto outcome = decide ? decide(e, txn) : service::HandlerOutcome::applied();
          std::lock_guard lock(mutex);
          ++calls[name];
          if (outcome.kind() == service::HandlerOutcome::Kind::applied) {
            applied.push_back(std::string(e.record.key()) + ":" + name);
          }
          changed.notify_all();
          return outcome;
        });
  }
  ~Rig() {
    processor->stop();
    processor.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  void start() { processor->start(); }
  void feed(const kafka::ConsumedRecord& r) { script.push(service::Polled::record(r)); }
  void end_of(std::int32_t partition) { script.push(service::Polled::partition_eof(kTopic, partition)); }

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return pred(); });
  }
  // Waits for a condition on the store (committed after the handler returned).
  template <class Pred>
  bool wait_store(Pred pred, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex);
    while (!pred()) {
      if (changed.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + 5ms)) ==
              std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= deadline) {
        return pred();
      }
    }
    return true;
  }
  std::vector<kafka::Record> dead_letters() {
    std::vector<kafka::Record> out;
    for (auto& e : store->read_outbox(0, 1000)) {
      if (e.record.topic == "caas.dlq.processortest.v1") out.push_back(e.record);
    }
    return out;
  }
};

std::string header(const kafka::Record& r, std::string_view name) {
  auto v = kafka::find_header(r.headers, name);
  return v ? std::string(*v) : "<missing>";
}

}  // namespace

TEST_CASE("processor: applies in order, skips duplicate ids and records behind the stored offset",
          "[unit][processor]") {
  Rig rig;
  rig.start();
  auto a = sample("k1", 0, "a");
  rig.feed(a);
  rig.feed(sample("k2", 1, "b"));
  rig.feed(with_offset(a, 2));  // the same event again, later in the log
  rig.feed(sample("k1", 3, "c"));
  REQUIRE(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(4); }));
  CHECK(rig.applied == std::vector<std::string>{"k1:a", "k2:b", "k1:c"});
  CHECK(rig.calls["a"] == 1);
  rig.feed(sample("k1", 1, "behind"));  // below the stored offset (a group offset lagging the store)
  rig.feed(sample("k1", 4, "d"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 4; }));
  CHECK(rig.calls.count("behind") == 0);
  CHECK(rig.dead_letters().empty());
}

TEST_CASE("processor: a schema violation is dead-lettered with the offset, and the next record applies",
          "[unit][processor]") {
  Rig rig;
  rig.start();
  auto bad = sample("k1", 0, "x");
  bad.value = R"({"specversion":"1.0","id":"e-bad","source":"caas/test","type":"test.sample","subject":"k1",)"
              R"("time":"2026-11-01T00:00:00Z","datacontenttype":"application/json","data":{"count":-1}})";
  rig.feed(bad);
  rig.feed(sample("k1", 1, "next"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 1; }));
  REQUIRE(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(2); }));
  auto dead = rig.dead_letters();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].value == bad.value);
  CHECK(header(dead[0], "dlq.error.class") == "permanent");
  CHECK(header(dead[0], "dlq.original.offset") == "0");
}

TEST_CASE("processor: transient failures are retried, then dead-lettered as transient-exhausted", "[unit][processor]") {
  service::EventProcessorOptions options;
  options.max_attempts = 3;
  Rig rig(options);
  int flaky_left = 2;
  rig.decide = [&](const service::ConsumedEvent& e, store::WriteTxn&) {
    if (e.envelope.data.find("\"flaky\"") != std::string::npos && flaky_left-- > 0) {
      return service::HandlerOutcome::transient("not now");
    }
    if (e.envelope.data.find("\"broken\"") != std::string::npos) return service::HandlerOutcome::transient("never");
    return service::HandlerOutcome::applied();
  };
  rig.start();
  rig.feed(sample("k1", 0, "flaky"));
  rig.feed(sample("k2", 1, "broken"));
  rig.feed(sample("k3", 2, "after"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 2; }));
  CHECK(rig.applied == std::vector<std::string>{"k1:flaky", "k3:after"});
  CHECK(rig.calls["flaky"] == 3);
  CHECK(rig.calls["broken"] == 3);
  REQUIRE(rig.wait_store([&] { return rig.dead_letters().size() == 1; }));
  auto dead = rig.dead_letters();
  CHECK(header(dead[0], "dlq.error.class") == "transient-exhausted");
  CHECK(header(dead[0], "dlq.attempts") == "3");
  CHECK(header(dead[0], "dlq.error.message") == "never");
}

TEST_CASE("processor: with parking, later records of a dead-lettered key follow it", "[unit][processor]") {
  service::EventProcessorOptions options;
  options.park_failed_keys = true;
  Rig rig(options);
  rig.decide = [](const service::ConsumedEvent& e, store::WriteTxn&) {
    return e.envelope.data.find("\"poison\"") != std::string::npos ? service::HandlerOutcome::permanent("illegal")
                                                                   : service::HandlerOutcome::applied();
  };
  rig.start();
  rig.feed(sample("k1", 0, "poison"));
  rig.feed(sample("k1", 1, "later"));
  rig.feed(sample("k2", 2, "other"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 1; }));
  CHECK(rig.applied == std::vector<std::string>{"k2:other"});
  REQUIRE(rig.wait_store([&] { return rig.dead_letters().size() == 2; }));
  auto dead = rig.dead_letters();
  CHECK(header(dead[0], "dlq.parked") == "<missing>");
  CHECK(header(dead[1], "dlq.parked") == "true");
  CHECK(rig.calls.count("later") == 0);  // never offered to the handler
}

TEST_CASE("processor: not_yet_known sets a record aside, release applies the key's records in order",
          "[unit][processor][waiting]") {
  service::EventProcessorOptions options;
  options.waiting.recheck_interval = 1h;  // only the release can take them back
  Rig rig(options);
  std::atomic<bool> known{false};
  rig.decide = [&](const service::ConsumedEvent& e, store::WriteTxn&) {
    if (e.record.key() == "late" && !known) return service::HandlerOutcome::not_yet_known("not placed yet");
    return service::HandlerOutcome::applied();
  };
  rig.start();
  const auto s1 = sample("late", 0, "s1");
  rig.feed(s1);
  rig.feed(sample("live", 1, "l1"));
  rig.feed(sample("late", 2, "s2"));
  rig.feed(sample("live", 3, "l2"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 2; }));
  REQUIRE(rig.wait_store([&] { return rig.processor->waiting_total() == 2; }));
  // The partition moved on (the handler ran before its commit: wait for it).
  CHECK(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(4); }));

  known = true;
  rig.processor->release("late");
  REQUIRE(rig.wait([&] { return rig.applied.size() == 4; }));
  CHECK(rig.applied == std::vector<std::string>{"live:l1", "live:l2", "late:s1", "late:s2"});
  REQUIRE(rig.wait_store([&] { return rig.processor->waiting_total() == 0; }));
  CHECK(rig.store->is_processed(events::parse_envelope(s1.value)->id));  // marked when taken back, not when set aside
  CHECK(rig.dead_letters().empty());
}

// A replay's side effects (an OTA command post, a timer) wait for settled():
// at the last partition's end a record a release takes back may not be
// applied yet — here the release asked by the last taken-back record's
// commit is still to be served when the end is reached.
TEST_CASE("processor: settled only once the releases asked before the end of the partitions are served",
          "[unit][processor][waiting]") {
  service::EventProcessorOptions options;
  options.waiting.recheck_interval = 1h;  // only releases take records back
  std::atomic<service::EventProcessor*> self{nullptr};
  std::atomic<bool> known{false};
  options.on_applied_committed = [&] {
    known = true;
    if (auto* p = self.load()) p->release("k");  // as a service does after each step of k
  };
  std::vector<bool> settled_at_end;  // loop thread, read after the wait below
  std::atomic<bool> saw_end{false};
  options.on_caught_up = [&] {
    settled_at_end.push_back(self.load()->settled());
    saw_end = true;
  };
  Rig rig(options);
  self = rig.processor.get();
  rig.decide = [&](const service::ConsumedEvent& e, store::WriteTxn&) {
    if (e.envelope.data.find("\"w\"") != std::string::npos && !known) {
      return service::HandlerOutcome::not_yet_known("its step is not known yet");
    }
    return service::HandlerOutcome::applied();
  };
  CHECK_FALSE(rig.processor->settled());
  rig.start();
  rig.feed(sample("k", 0, "w"));  // read ahead of the step it answers: waits
  REQUIRE(rig.wait_store([&] { return rig.processor->waiting_total() == 1; }));
  rig.feed(sample("j", 1, "a"));  // makes k known; its commit releases k (served at the next round)
  rig.end_of(0);
  REQUIRE(rig.wait([&] { return rig.applied.size() == 2; }));
  REQUIRE(rig.wait_store([&] { return saw_end.load(); }));
  CHECK(rig.applied == std::vector<std::string>{"j:a", "k:w"});
  REQUIRE(settled_at_end.size() == 1);
  // w's commit asked for another release: at the end it was not served yet.
  CHECK_FALSE(settled_at_end.front());
  CHECK(rig.wait_store([&] { return rig.processor->settled(); }));
  CHECK(rig.processor->caught_up());
}

TEST_CASE("processor: caught up once every assigned partition reached its end", "[unit][processor]") {
  Rig rig;
  rig.script.partitions = {0, 1};
  rig.start();
  rig.feed(sample("k1", 0, "a"));
  rig.end_of(0);
  REQUIRE(rig.wait([&] { return rig.applied.size() == 1; }));
  CHECK_FALSE(rig.processor->caught_up());
  rig.end_of(1);
  REQUIRE(rig.wait([&] { return rig.caught_up_calls == 1; }));
  CHECK(rig.processor->caught_up());
  rig.end_of(1);  // a second EOF does not call again
  rig.feed(sample("k1", 1, "b", 1, 1));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 2; }));
  CHECK(rig.caught_up_calls == 1);
}

namespace {

// An operator's redrive of `r` (as caasctl sends it) for `service`.
kafka::ConsumedRecord redriven(kafka::ConsumedRecord r, std::int64_t offset,
                               const std::string& service = "processortest") {
  r.offset = offset;
  r.headers.push_back({std::string(kafka::redrive_headers::kPlan), "plan-1"});
  r.headers.push_back({std::string(kafka::redrive_headers::kService), service});
  return r;
}

kafka::ConsumedRecord release_marker(const std::string& key, std::int64_t offset, int resolves = 0,
                                     const std::string& service = "processortest") {
  kafka::ConsumedRecord r{kTopic, 0, offset, key, R"({"control":"release"})", {}};
  r.headers.push_back({std::string(kafka::redrive_headers::kControl), "release"});
  r.headers.push_back({std::string(kafka::redrive_headers::kPlan), "plan-1"});
  r.headers.push_back({std::string(kafka::redrive_headers::kService), service});
  r.headers.push_back({std::string(kafka::redrive_headers::kResolves), std::to_string(resolves)});
  return r;
}

service::EventProcessorOptions parking() {
  service::EventProcessorOptions options;
  options.park_failed_keys = true;
  return options;
}

void poison_is_permanent(Rig& rig) {
  rig.decide = [](const service::ConsumedEvent& e, store::WriteTxn&) {
    return e.envelope.data.find("\"poison\"") != std::string::npos ? service::HandlerOutcome::permanent("illegal")
                                                                   : service::HandlerOutcome::applied();
  };
}

}  // namespace

TEST_CASE("processor: parked state counts the pending dead letters of a key", "[unit][processor][parking]") {
  CHECK(service::encode_parked(3) == "pending=3");
  CHECK(service::decode_parked("pending=3") == 3);
  CHECK(service::decode_parked("pending=0") == 0);
  CHECK(service::decode_parked("17") == 1);  // the older layout: an offset
  CHECK(service::decode_parked("pending=x") == 1);
  CHECK(service::encode_parked(2, "p-9") == "pending=2 blocked=p-9");
  CHECK(service::decode_parked("pending=2 blocked=p-9") == 2);
  CHECK(service::parked_blocked_plan("pending=2 blocked=p-9") == "p-9");
  CHECK(service::parked_blocked_plan("pending=2").empty());
}

TEST_CASE("processor: when a redriven record fails again the rest of its plan parks behind it",
          "[unit][processor][parking]") {
  Rig rig(parking());
  poison_is_permanent(rig);
  rig.start();
  const auto poison = sample("k1", 0, "poison");
  const auto later = sample("k1", 1, "later");
  rig.feed(poison);
  rig.feed(later);
  rig.feed(redriven(poison, 2));  // not fixed: fails again
  rig.feed(redriven(later, 3));   // must not overtake it
  rig.feed(release_marker("k1", 4));
  REQUIRE(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(5); }));
  CHECK(rig.applied.empty());
  CHECK(rig.calls["later"] == 0);
  CHECK(rig.store->get(service::parked_key(kTopic, "k1")) == std::optional<std::string>("pending=2 blocked=plan-1"));
  auto dead = rig.dead_letters();
  REQUIRE(dead.size() == 4);
  CHECK(header(dead[3], "dlq.parked") == "true");
  CHECK(header(dead[0], "dlq.key-parked") == "true");

  // A second plan (the operator fixed it) passes: both applied, in order, and released.
  auto fixed = redriven(sample("k1", 0, "fixed"), 5);
  fixed.headers[fixed.headers.size() - 2].value = "plan-2";
  auto later2 = redriven(later, 6);
  later2.headers[later2.headers.size() - 2].value = "plan-2";
  auto marker = release_marker("k1", 7);
  marker.headers[1].value = "plan-2";
  rig.feed(fixed);
  rig.feed(later2);
  rig.feed(marker);
  rig.feed(sample("k1", 8, "after"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 3; }));
  CHECK(rig.applied == std::vector<std::string>{"k1:fixed", "k1:later", "k1:after"});
  REQUIRE(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(9); }));
  CHECK_FALSE(rig.store->get(service::parked_key(kTopic, "k1")));
}

TEST_CASE("processor: a redrive of a parked key applies its records in order and the marker releases it",
          "[unit][processor][parking]") {
  Rig rig(parking());
  poison_is_permanent(rig);
  rig.start();
  rig.feed(sample("k1", 0, "poison"));
  const auto later = sample("k1", 1, "later");
  rig.feed(later);
  rig.feed(sample("k2", 2, "other"));
  REQUIRE(rig.wait_store([&] { return rig.dead_letters().size() == 2; }));
  CHECK(rig.store->get(service::parked_key(kTopic, "k1")) == std::optional<std::string>("pending=2"));

  // The operator's edited poison record, the parked one, then the marker.
  rig.feed(redriven(sample("k1", 0, "fixed"), 3));
  rig.feed(redriven(later, 4));
  rig.feed(release_marker("k1", 5));
  rig.feed(sample("k1", 6, "after"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 4; }));
  CHECK(rig.applied == std::vector<std::string>{"k2:other", "k1:fixed", "k1:later", "k1:after"});
  REQUIRE(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(7); }));
  CHECK_FALSE(rig.store->get(service::parked_key(kTopic, "k1")));
  CHECK(rig.dead_letters().size() == 2);
  CHECK(rig.calls["later"] == 1);
}

TEST_CASE("processor: a release marker is refused while a dead letter of the key is still pending",
          "[unit][processor][parking]") {
  Rig rig(parking());
  poison_is_permanent(rig);
  rig.start();
  rig.feed(sample("k1", 0, "poison"));
  rig.feed(redriven(sample("k1", 0, "poison"), 1));  // redriven unedited: fails again, still one pending
  rig.feed(sample("k1", 2, "between"));              // arrived during the redrive: parked behind it
  rig.feed(release_marker("k1", 3));
  rig.feed(sample("k1", 4, "after"));
  REQUIRE(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(5); }));
  CHECK(rig.applied.empty());
  CHECK(rig.store->get(service::parked_key(kTopic, "k1")) == std::optional<std::string>("pending=3 blocked=plan-1"));
  auto dead = rig.dead_letters();
  REQUIRE(dead.size() == 4);
  CHECK(header(dead[1], "caas.redrive.plan") == "plan-1");  // the failed redrive keeps its redrive headers
  CHECK(header(dead[3], "dlq.parked") == "true");
}

TEST_CASE("processor: a discard marker releases a parked key without applying its dead letters",
          "[unit][processor][parking]") {
  Rig rig(parking());
  poison_is_permanent(rig);
  rig.start();
  rig.feed(sample("k1", 0, "poison"));
  rig.feed(sample("k1", 1, "later"));
  rig.feed(release_marker("k1", 2, /*resolves=*/2));
  rig.feed(sample("k1", 3, "after"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 1; }));
  CHECK(rig.applied == std::vector<std::string>{"k1:after"});
  CHECK(rig.calls.count("later") == 0);
  CHECK(rig.calls.count("control") == 0);
  CHECK_FALSE(rig.store->get(service::parked_key(kTopic, "k1")));
}

TEST_CASE("processor: a redrive or a marker meant for another service changes nothing here",
          "[unit][processor][parking]") {
  Rig rig(parking());
  poison_is_permanent(rig);
  rig.start();
  rig.feed(sample("k1", 0, "poison"));
  rig.feed(redriven(sample("k1", 0, "fixed"), 1, "other-service"));
  rig.feed(release_marker("k1", 2, 1, "other-service"));
  rig.feed(release_marker("k9", 3, 0));  // a key that is not parked: nothing to release
  rig.feed(sample("k2", 4, "live"));
  REQUIRE(rig.wait([&] { return rig.applied.size() == 1; }));
  REQUIRE(rig.wait_store([&] { return rig.store->offset(kTopic, 0) == std::optional<std::int64_t>(5); }));
  CHECK(rig.applied == std::vector<std::string>{"k2:live"});
  CHECK(rig.calls.count("fixed") == 0);
  CHECK(rig.store->get(service::parked_key(kTopic, "k1")) == std::optional<std::string>("pending=1"));
  CHECK(rig.dead_letters().size() == 1);
}
