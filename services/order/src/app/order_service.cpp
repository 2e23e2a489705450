#include "app/order_service.hpp"

#include "domain/ids.hpp"
#include "domain/json_util.hpp"
#include "store/order_store.hpp"

#include <caas/events/envelope.hpp>
#include <caas/security/secrets.hpp>

#include <filesystem>
#include <stdexcept>

namespace caas::order {

namespace obs = caas::observability;
using namespace std::chrono_literals;

OrderSettings load_order_settings(obs::EnvConfig& env) {
  OrderSettings s;
  s.api.command_wait = env.duration_ms("CAAS_ORDER_COMMAND_WAIT", 2s, 0ms, 60s);
  s.api.max_waiting = static_cast<std::size_t>(env.integer("CAAS_ORDER_MAX_WAITING", 10000, 1, 1'000'000));
  s.policy.payment_deadline = env.duration_ms("CAAS_ORDER_PAYMENT_DEADLINE", 24h * 14, 1ms, 24h * 365);
  s.api_keys_file = env.required_string("CAAS_API_KEYS_FILE");
  s.token_secret_file = env.string("CAAS_TOKEN_SECRET_FILE", "");
  s.read_model = env.boolean("CAAS_ORDER_READ_MODEL", true);
  s.deadline_scan = env.duration_ms("CAAS_ORDER_DEADLINE_SCAN_INTERVAL", 30s, 10ms, 24h);
  s.gauge_interval = env.duration_ms("CAAS_ORDER_STATE_GAUGE_INTERVAL", 15s, 10ms, 24h);
  s.produce_timeout = env.duration_ms("CAAS_ORDER_PRODUCE_TIMEOUT", 5s, 100ms, 300s);
  return s;
}

OrderService::OrderService(events::Clock clock) : clock_(std::move(clock)) {}

OrderService::~OrderService() {
  stop();
}

void OrderService::load_config(obs::EnvConfig& env) {
  settings_ = std::make_unique<OrderSettings>(load_order_settings(env));
}

void OrderService::wire(service::ServiceRuntime& rt) {
  // The runtime (run_service, RunningService) loads the configuration once, first.
  if (!settings_) throw std::logic_error("wire() before load_config()");
  const auto& s = *settings_;
  runtime_ = &rt;
  shutdown_grace_ = rt.config().shutdown_grace;
  log_ = rt.log();
  // Start-up errors are exceptions: run_service reports them and exits 1.
  auto keys = security::ApiKeyStore::load_file(s.api_keys_file);
  std::optional<std::string> token_secret;
  if (!s.token_secret_file.empty()) token_secret = security::SecretSet::load_file(s.token_secret_file).current();

  probe_ = std::make_unique<OrderProbe>(rt.metrics());
  owner_handler_ = std::make_unique<OrderHandler>(HandlerRole::owner, rt.store(), rt.schemas(), s.policy,
                                                  rt.log().with({{"component", "owner"}}), probe_.get());
  service::EventProcessorOptions owner;
  // Both topics have 6 partitions and are keyed by order id; with the range
  // assignor partition p of both lands on the same replica. Correctness does
  // not depend on it (factory events are re-sequenced onto the command log),
  // it only saves a hop between replicas.
  owner.topics = {kCommandTopic, kFactoryEventsTopic};
  owner.park_failed_keys = true;
  OrderHandler* oh = owner_handler_.get();
  rt.add_processor(std::move(owner),
                   [oh](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*oh)(e, txn); });

  if (s.read_model) {
    // The read model: this replica's own copy of every order, rebuilt by
    // applying the whole command log with the same handler (no outputs).
    const auto dir = std::filesystem::path(rt.config().common.data_dir) / "order-view";
    std::filesystem::create_directories(dir);
    view_store_ = store::StateStore::open(dir);
    view_store_->set_sync_commits(false);  // a cache of the log: losing the tail only means re-reading it
    view_handler_ = std::make_unique<OrderHandler>(HandlerRole::replica, *view_store_, rt.schemas(), s.policy,
                                                   rt.log().with({{"component", "read-model"}}), nullptr);
    service::EventProcessorOptions view;
    view.service = "order-view";
    view.topics = {kCommandTopic};
    view.group_id = "order-view-" + rt.config().common.instance_id;
    view.park_failed_keys = true;  // the same parking as the owner, so both apply the same inputs
    OrderHandler* vh = view_handler_.get();
    view_processor_ = std::make_unique<service::EventProcessor>(
        std::move(view), rt.kafka_consumer_client("view-consumer"), *view_store_, rt.schemas(), rt.log(), rt.metrics(),
        [vh](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*vh)(e, txn); });
    service::EventProcessor* vp = view_processor_.get();
    rt.readiness().add("read-model-caught-up", [vp] { return vp->caught_up(); });
    view_processor_->start();
  }

  kafka::ProducerOptions popts;
  popts.max_queue_messages = rt.config().producer_queue_messages;
  popts.linger = 1ms;
  popts.delivery_timeout = s.produce_timeout;  // an unacknowledged command is answered 503, never left hanging
  popts.close_timeout = std::min<std::chrono::milliseconds>(rt.config().shutdown_grace, 10s);
  const auto producer_client = rt.kafka_client("api-producer");
  rt.instrument(popts, producer_client);  // kafka_producer_queue_messages
  producer_ = std::make_unique<kafka::Producer>(producer_client, popts);

  api_ = std::make_unique<OrderApi>(s.api, service::Authenticator(std::move(keys), token_secret, clock_),
                                    OrderReader(rt.store(), view_store_.get()), *producer_, rt.schemas(),
                                    rt.log().with({{"component", "api"}}), rt.metrics(), clock_);
  api_->add_routes(rt.router());
  kafka::Producer* producer = producer_.get();
  rt.readiness().add("api-kafka", [producer] { return producer->brokers_reachable_hint(); });
  rt.log().info("order service wired",
                {{"read_model", s.read_model},
                 {"payment_deadline_ms", static_cast<std::int64_t>(s.policy.payment_deadline.count())},
                 {"command_wait_ms", static_cast<std::int64_t>(s.api.command_wait.count())},
                 {"token_auth", token_secret.has_value()}});
  background_ = std::thread([this] { background_loop(); });
}

void OrderService::background_loop() {
  const auto& s = *settings_;
  auto next_scan = std::chrono::steady_clock::now();
  auto next_gauge = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    try {
      if (now >= next_scan) {
        scan_deadlines();
        next_scan = now + s.deadline_scan;
      }
      if (now >= next_gauge) {
        update_state_gauge();
        next_gauge = now + s.gauge_interval;
      }
    } catch (const std::exception& e) {
      log_.warn("background work failed", {{"error", e.what()}});
    }
    lock.lock();
    cv_.wait_until(lock, std::min(next_scan, next_gauge), [this] { return stopping_; });
  }
}

// Orders in ARRIVED_AT_DEALERSHIP past their deadline get an
// order.expire-payment-deadline command on the command log; the owner applies
// it in order with everything else (a final payment that got there first wins).
// The command id is derived from (order, deadline), so repeats (rescans,
// several replicas) are one command to the consumers' dedup.
void OrderService::scan_deadlines() {
  const auto now = clock_();
  const auto now_steady = std::chrono::steady_clock::now();
  const auto resend_after = std::max<std::chrono::milliseconds>(settings_->deadline_scan * 4, 1s);
  std::erase_if(expiries_sent_, [&](const auto& kv) { return now_steady - kv.second > resend_after; });
  std::vector<std::pair<std::string, std::string>> due;
  runtime_->store().scan_prefix(keys::kDeadlinePrefix, [&](std::string_view key, std::string_view value) {
    auto deadline = events::parse_rfc3339(value);
    if (deadline && *deadline <= now) due.emplace_back(key.substr(keys::kDeadlinePrefix.size()), value);
    return true;
  });
  for (const auto& [order_id, deadline] : due) {
    // A former owner's copy may be stale: the read model (all partitions) must agree.
    if (view_store_) {
      auto current = load_order(*view_store_, order_id);
      if (!current || current->state != State::arrived_at_dealership || current->payment_deadline != deadline) continue;
    }
    const std::string id = derive_event_id(order_id, "expire-payment-deadline/" + deadline);
    if (expiries_sent_.contains(id)) continue;
    json::Writer w;
    w.begin_object().field("order_id", order_id).field("payment_deadline", deadline).key("requested_by");
    write_actor(w, Actor{"system", "order-deadline-scanner"});
    w.field("requested_at", format_rfc3339(now)).end_object();
    auto env = events::make_envelope(
        "order.expire-payment-deadline", kEventSource, order_id, w.str(), id, "", [now] { return now; },
        [id] { return id; });
    if (!env) continue;
    kafka::Record r{kCommandTopic, order_id, events::serialize(*env), {}, std::nullopt};
    for (auto& [k, v] : events::kafka_headers(*env)) r.headers.push_back({k, v});
    if (producer_->send(std::move(r), [](const kafka::DeliveryReport&) {}) == kafka::SendStatus::queued) {
      expiries_sent_[id] = now_steady;
      log_.info("payment deadline passed", {{"order_id", order_id},
                                            {"operation", "expire_payment_deadline"},
                                            {"payment_deadline", deadline},
                                            {"status", "requested"}});
    }
  }
}

void OrderService::update_state_gauge() {
  const store::StateStore& source = view_store_ ? *view_store_ : runtime_->store();
  std::map<State, double> counts;
  for (auto st : kAllStates) counts[st] = 0;
  for (const auto& o : load_all_orders(source)) counts[o.state] += 1;
  for (const auto& [st, n] : counts) probe_->by_state.Add({{"state", std::string(to_string(st))}}).Set(n);
}

void OrderService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (background_.joinable()) background_.join();
  if (api_) api_->stop();
  // Not through runtime_: stop() runs again from the destructor, after the
  // runtime is gone (found by the ThreadSanitizer build: use after free).
  if (producer_) producer_->flush(shutdown_grace_ / 2);
  if (view_processor_) view_processor_->stop();
}

}  // namespace caas::order
