// ChannelDispatcher + OutcomeRecorder over a real store, with a scripted
// sender: per-customer order, parallel customers, retries, the retry budget,
// dead letters, the wait for an e-mail address, restart.
#include "app/dispatcher.hpp"
#include "app/outcome_recorder.hpp"
#include "app/probe.hpp"
#include "domain/notification_events.hpp"
#include "store/notification_store.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/schema_registry.hpp>
#include <caas/kafka/dlq.hpp>
#include <caas/store/state_store.hpp>

#include <catch2/catch.hpp>

#include "eventually.hpp"
#include "local_resources.hpp"

#include <deque>
#include <map>
#include <mutex>

using namespace caas;
using namespace caas::notification;
using namespace std::chrono_literals;

namespace {

/// Answers from a per-recipient script (default: accepted); records calls.
class ScriptedSender final : public Sender {
 public:
  SendResult send(const OutgoingMessage& m) override {
    std::lock_guard lock(mutex_);
    calls_.push_back(m);
    auto& script = scripts_[m.recipient];
    if (script.empty()) return SendResult::accepted("ok " + m.notification_id);
    auto r = script.front();
    script.pop_front();
    return r;
  }
  void script(const std::string& recipient, std::deque<SendResult> results) {
    std::lock_guard lock(mutex_);
    scripts_[recipient] = std::move(results);
  }
  std::vector<OutgoingMessage> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::string> types_sent_to(const std::string& recipient) const {
    std::vector<std::string> out;
    for (const auto& c : calls()) {
      if (c.recipient == recipient) out.push_back(c.type);
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<SendResult>> scripts_;
  std::vector<OutgoingMessage> calls_;
};

observability::Logger test_log() {
  return observability::Logger({"notification", "test", observability::LogLevel::error, {}});
}

const events::SchemaRegistry& schemas() {
  static events::SchemaRegistry r(CAAS_SCHEMA_DIR);
  return r;
}

const TemplateSet& templates() {
  static const TemplateSet set = [] {
    auto s = TemplateSet::load(CAAS_NOTIFICATION_TEMPLATE_DIR);
    if (!s) FAIL(s.error().message);
    return std::move(*s);
  }();
  return set;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Rig {
  explicit Rig(Channel channel = Channel::push, RetryRules rules = fast_rules())
      : dir(testing::fresh_dir("notification-dispatch")),
        raw(store::StateStore::open(dir, {false, true})),
        store(*raw),
        metrics(false),
        probe(metrics),
        emitter(schemas(), events::system_now, "caas/notification"),
        recorder(store, emitter, probe, test_log(), "notification"),
        dispatcher(channel, sender, templates(), store, recorder, rules, probe, test_log(), {4, Language::es}, now_ms) {
  }

  static RetryRules fast_rules() {
    RetryRules r;
    r.max_attempts = 3;
    r.initial_backoff = 20ms;
    r.max_backoff = 50ms;
    r.contact_wait = 10s;
    r.contact_recheck = 10s;  // long: only customer_updated() can make it due sooner
    return r;
  }

  /// Plans one notification the way the Planner does (committed, then added).
  PendingDelivery plan(const std::string& customer, const std::string& type, const std::string& event_id,
                       Channel channel = Channel::push) {
    PendingDelivery p;
    p.notification_id = notification_id_for(event_id, channel);
    p.customer_id = customer;
    p.order_id = "ord-" + customer;
    p.channel = channel;
    p.type = type;
    p.variables = {{"order_number", "ORD-2026-01000001"}, {"order_id", p.order_id}};
    p.source_event_id = event_id;
    p.source_event_type = "order.status-changed";
    p.source_time_ms = now_ms();
    p.source_topic = std::string(kOrderEventsTopic);
    p.source_partition = 2;
    p.source_offset = 41;
    p.source_key = p.order_id;
    p.source_value = R"({"specversion":"1.0","id":")" + event_id + R"("})";
    p.created_at_ms = now_ms();
    p.next_attempt_at_ms = p.created_at_ms;
    store::WriteTxn txn;
    p.seq = store.next_seq(txn);
    NotificationStore::put_pending(txn, p);
    NotificationStore::put_record(txn, record_of(p, "2026-11-22T10:00:00.000Z"));
    REQUIRE(raw->commit(std::move(txn)));
    return p;
  }

  std::vector<kafka::Record> outbox() const {
    std::vector<kafka::Record> out;
    for (auto& e : raw->read_outbox(0, 100000)) out.push_back(e.record);
    return out;
  }
  std::size_t outbox_count(std::string_view topic, std::string_view type = "") const {
    std::size_t n = 0;
    for (const auto& r : outbox()) {
      if (r.topic != topic) continue;
      if (!type.empty() && r.value.find("\"type\":\"" + std::string(type) + "\"") == std::string::npos) continue;
      ++n;
    }
    return n;
  }

  std::filesystem::path dir;
  std::unique_ptr<store::StateStore> raw;
  NotificationStore store;
  observability::Metrics metrics;
  Probe probe;
  service::EventEmitter emitter;
  ScriptedSender sender;
  OutcomeRecorder recorder;
  ChannelDispatcher dispatcher;
};

}  // namespace

TEST_CASE("each customer's notifications leave in order, customers in parallel, each once", "[dispatcher]") {
  Rig rig;
  const std::vector<std::string> milestones{"order_confirmed", "manufacturing_started", "vehicle_shipped"};
  for (int c = 0; c < 5; ++c) {
    for (std::size_t i = 0; i < milestones.size(); ++i) {
      rig.dispatcher.add(
          rig.plan("C" + std::to_string(c), milestones[i], "e-" + std::to_string(c) + "-" + std::to_string(i)));
    }
  }
  rig.dispatcher.start();
  REQUIRE(testing::eventually([&] { return rig.dispatcher.depth() == 0; }, 10s));
  rig.dispatcher.stop();
  CHECK(rig.sender.calls().size() == 15);
  for (int c = 0; c < 5; ++c) CHECK(rig.sender.types_sent_to("C" + std::to_string(c)) == milestones);
  CHECK(rig.outbox_count(kEventsTopic, "notification.sent") == 15);
  CHECK(rig.store.all_pending().empty());
  auto logged = rig.store.logged("e-3-1", Channel::push);
  REQUIRE(logged);
  CHECK(logged->status == DeliveryStatus::sent);
  auto page = rig.store.history("C3", {});
  REQUIRE(page.total == 3);
  CHECK(page.items[0].status == DeliveryStatus::sent);
  CHECK(page.items[0].language == "es");
  CHECK(page.items[1].type == "manufacturing_started");
}

TEST_CASE("transient failures are retried with backoff until accepted", "[dispatcher]") {
  Rig rig;
  rig.sender.script("C1", {SendResult::transient("http_503", "down"), SendResult::transient("timeout", "slow")});
  rig.dispatcher.add(rig.plan("C1", "vehicle_shipped", "e-1"));
  rig.dispatcher.start();
  REQUIRE(testing::eventually([&] { return rig.dispatcher.depth() == 0; }, 10s));
  CHECK(rig.sender.calls().size() == 3);
  auto page = rig.store.history("C1", {});
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].status == DeliveryStatus::sent);
  CHECK(page.items[0].attempts == 3);
  CHECK(rig.outbox_count(kEventsTopic, "notification.sent") == 1);
  CHECK(rig.outbox_count("caas.dlq.notification.v1") == 0);
}

TEST_CASE("an exhausted budget or a permanent failure ends as notification.failed and a dead letter", "[dispatcher]") {
  Rig rig;
  rig.sender.script("C1", {SendResult::transient("http_503", "a"), SendResult::transient("http_503", "b"),
                           SendResult::transient("http_503", "c"), SendResult::accepted("too late")});
  rig.sender.script("C2", {SendResult::permanent("http_404", "unknown recipient")});
  const auto p1 = rig.plan("C1", "vehicle_shipped", "e-1");
  rig.dispatcher.add(p1);
  rig.dispatcher.add(rig.plan("C2", "vehicle_shipped", "e-2"));
  rig.dispatcher.start();
  REQUIRE(testing::eventually([&] { return rig.dispatcher.depth() == 0; }, 10s));
  CHECK(rig.sender.types_sent_to("C1").size() == 3);  // the budget, not one more
  CHECK(rig.sender.types_sent_to("C2").size() == 1);  // permanent: never retried
  CHECK(rig.outbox_count(kEventsTopic, "notification.failed") == 2);
  std::vector<kafka::Record> dead;
  for (auto& r : rig.outbox()) {
    if (r.topic == "caas.dlq.notification.v1") dead.push_back(r);
  }
  REQUIRE(dead.size() == 2);
  auto header = [](const kafka::Record& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (h.key == name) return h.value;
    }
    return std::string();
  };
  const auto& first = dead[0].key == p1.source_key ? dead[0] : dead[1];
  CHECK(first.value == p1.source_value);  // the original record, untouched
  CHECK(header(first, kafka::dlq_headers::kOriginalTopic) == "caas.order.events.v1");
  CHECK(header(first, kafka::dlq_headers::kOriginalOffset) == "41");
  CHECK(header(first, kafka::dlq_headers::kErrorClass) == "transient-exhausted");
  CHECK(header(first, "notification.id") == p1.notification_id);
  auto logged = rig.store.logged("e-2", Channel::push);
  REQUIRE(logged);
  CHECK(logged->status == DeliveryStatus::failed);
}

TEST_CASE("a retrying head holds back its customer only", "[dispatcher]") {
  RetryRules slow = Rig::fast_rules();
  slow.initial_backoff = 60s;  // C1's head will not be due again during the test
  slow.max_backoff = 60s;
  Rig rig(Channel::push, slow);
  rig.sender.script("C1", {SendResult::transient("http_503", "down")});
  rig.dispatcher.add(rig.plan("C1", "order_confirmed", "e-1"));
  rig.dispatcher.add(rig.plan("C1", "manufacturing_started", "e-2"));
  rig.dispatcher.add(rig.plan("C2", "order_confirmed", "e-3"));
  rig.dispatcher.start();
  REQUIRE(testing::eventually([&] { return rig.dispatcher.depth() == 2; }, 10s));
  rig.dispatcher.stop();
  CHECK(rig.sender.types_sent_to("C1") == std::vector<std::string>{"order_confirmed"});
  CHECK(rig.sender.types_sent_to("C2") == std::vector<std::string>{"order_confirmed"});
  auto pending = rig.store.all_pending();
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].attempts == 1);  // the retry is durable
  CHECK(pending[0].last_error.find("http_503") != std::string::npos);
}

TEST_CASE("an e-mail waits for the customer's address, then leaves at once", "[dispatcher]") {
  Rig rig(Channel::email);
  const auto p = rig.plan("C1", "vehicle_shipped", "e-1", Channel::email);
  rig.dispatcher.add(p);
  rig.dispatcher.start();
  REQUIRE(testing::eventually(
      [&] {
        auto r = rig.store.record("C1", p.seq);
        return r && r->error_code == kNoContactAddress;
      },
      10s));
  CHECK(rig.sender.calls().empty());
  CustomerProfile profile;
  profile.customer_id = "C1";
  profile.email = "c1@example.com";
  profile.language = Language::en;
  store::WriteTxn txn;
  NotificationStore::put_profile(txn, profile);
  REQUIRE(rig.raw->commit(std::move(txn)));
  rig.dispatcher.customer_updated("C1");
  REQUIRE(testing::eventually([&] { return rig.dispatcher.depth() == 0; }, 5s));
  REQUIRE(rig.sender.calls().size() == 1);
  CHECK(rig.sender.calls()[0].recipient == "c1@example.com");
  CHECK(rig.sender.calls()[0].language == Language::en);
  CHECK(rig.sender.calls()[0].content.subject == "Your vehicle is on its way");
  CHECK(rig.store.record("C1", p.seq)->attempts == 1);  // waiting was not an attempt
}

TEST_CASE("pending notifications survive a restart and go out in their order", "[dispatcher]") {
  auto dir = testing::fresh_dir("notification-restart");
  std::vector<std::string> ids;
  {
    Rig rig;
    rig.dispatcher.add(rig.plan("C1", "order_confirmed", "e-1"));
    rig.dispatcher.add(rig.plan("C1", "manufacturing_started", "e-2"));
    std::filesystem::remove_all(dir);
    rig.raw.reset();  // "crash" before any attempt: the dispatcher never started
    std::filesystem::rename(rig.dir, dir);
  }
  auto raw = store::StateStore::open(dir, {false, true});
  NotificationStore store(*raw);
  observability::Metrics metrics(false);
  Probe probe(metrics);
  service::EventEmitter emitter(schemas(), events::system_now, "caas/notification");
  OutcomeRecorder recorder(store, emitter, probe, test_log(), "notification");
  ScriptedSender sender;
  ChannelDispatcher dispatcher(Channel::push, sender, templates(), store, recorder, Rig::fast_rules(), probe,
                               test_log(), {2, Language::es}, now_ms);
  auto pending = store.all_pending();
  REQUIRE(pending.size() == 2);
  for (const auto& p : pending) dispatcher.add(p);
  dispatcher.start();
  REQUIRE(testing::eventually([&] { return dispatcher.depth() == 0; }, 10s));
  dispatcher.stop();
  CHECK(sender.types_sent_to("C1") == std::vector<std::string>{"order_confirmed", "manufacturing_started"});
  // New plans after the restart never reuse a seq.
  store::WriteTxn txn;
  CHECK(store.next_seq(txn) > pending.back().seq);
}
