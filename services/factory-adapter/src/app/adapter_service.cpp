#include "app/adapter_service.hpp"

#include <stdexcept>
#include "domain/events.hpp"

namespace caas::factory {

namespace obs = caas::observability;
using namespace std::chrono_literals;

AdapterSettings load_adapter_settings(obs::EnvConfig& env) {
  AdapterSettings s;
  s.client.base_url = env.required_string("CAAS_FACTORY_API_URL");
  auto token = env.secret_file_lines("CAAS_FACTORY_API_TOKEN_FILE", /*required=*/true);
  if (!token.empty()) s.client.token = token.front();
  s.client.timeout = env.duration_ms("CAAS_FACTORY_TIMEOUT", 10s, 1ms, 5min);
  s.client.connect_timeout = env.duration_ms("CAAS_FACTORY_CONNECT_TIMEOUT", 2s, 1ms, 1min);

  s.retry.initial_delay = env.duration_ms("CAAS_FACTORY_RETRY_INITIAL", 1s, 1ms, 1min);
  s.retry.max_delay = env.duration_ms("CAAS_FACTORY_RETRY_MAX_DELAY", 60s, 1ms, 1h);
  s.retry.deadline = env.duration_ms("CAAS_FACTORY_PLACEMENT_DEADLINE", 10min, 0ms, 24h * 7);
  const auto jitter = env.enumeration("CAAS_FACTORY_RETRY_JITTER", {"none", "full", "equal"}, "none");
  s.retry.jitter = jitter == "full"    ? resilience::Jitter::full
                   : jitter == "equal" ? resilience::Jitter::equal
                                       : resilience::Jitter::none;

  s.worker.concurrency = static_cast<unsigned>(env.integer("CAAS_FACTORY_PLACEMENT_CONCURRENCY", 4, 1, 64));
  s.worker.tick = env.duration_ms("CAAS_FACTORY_WORKER_TICK", 100ms, 1ms, 1min);

  s.breaker.consecutive_failures = static_cast<int>(env.integer("CAAS_FACTORY_BREAKER_FAILURES", 5, 1, 1000));
  s.breaker.open_duration = env.duration_ms("CAAS_FACTORY_BREAKER_OPEN", 30s, 1ms, 1h);

  s.reconciler.schedule.stale_after = env.duration_ms("CAAS_FACTORY_STALE_AFTER", 48h, 1ms, 24h * 365);
  s.reconciler.schedule.poll_interval = env.duration_ms("CAAS_FACTORY_POLL_INTERVAL", 4h, 1ms, 24h * 30);
  s.reconciler.schedule.reconcile_interval = env.duration_ms("CAAS_FACTORY_RECONCILE_INTERVAL", 24h, 1ms, 24h * 30);
  s.reconciler.tick = env.duration_ms("CAAS_FACTORY_SCHEDULER_TICK", 1min, 1ms, 1h);
  s.reconciler.reports_kept = static_cast<std::size_t>(env.integer("CAAS_FACTORY_REPORTS_KEPT", 100, 1, 10000));

  s.status_wait.grace = env.duration_ms("CAAS_INGRESS_UNKNOWN_ORDER_GRACE", 10min, 0ms, 24h * 7);
  s.status_wait.max_per_key =
      static_cast<std::size_t>(env.integer("CAAS_FACTORY_STATUS_WAIT_MAX_PER_ORDER", 100, 1, 10000));
  s.status_wait.max_total =
      static_cast<std::size_t>(env.integer("CAAS_FACTORY_STATUS_WAIT_MAX_TOTAL", 10000, 1, 1'000'000));
  s.status_wait.recheck_interval = env.duration_ms("CAAS_FACTORY_STATUS_WAIT_RECHECK", 5s, 1ms, 1h);

  const auto keys_file = env.string("CAAS_API_KEYS_FILE", "");
  if (!keys_file.empty()) {
    try {
      s.api_keys = security::ApiKeyStore::load_file(keys_file);
    } catch (const std::exception& e) {
      env.add_error(std::string("CAAS_API_KEYS_FILE: ") + e.what());
    }
  }
  return s;
}

AdapterService::AdapterService(events::Clock clock) : clock_(std::move(clock)) {}

AdapterService::~AdapterService() {
  stop();
}

void AdapterService::load_config(obs::EnvConfig& env) {
  settings_ = std::make_unique<AdapterSettings>(load_adapter_settings(env));
}

void AdapterService::wire(service::ServiceRuntime& rt) {
  // The runtime (run_service, RunningService) loads the configuration once, first.
  if (!settings_) throw std::logic_error("wire() before load_config()");
  auto& s = *settings_;
  const auto log = rt.log();
  if (!s.api_keys) log.warn("CAAS_API_KEYS_FILE not set: the admin API refuses every request");

  store_ = std::make_unique<AdapterStore>(rt.store());
  probe_ = std::make_unique<Probe>(rt.metrics());
  emitter_ = std::make_unique<Emitter>(rt.schemas(), clock_);
  client_ = std::make_unique<FactoryClient>(s.client);
  Probe* probe = probe_.get();
  breaker_ = std::make_unique<resilience::CircuitBreaker>(
      s.breaker, [] { return std::chrono::steady_clock::now(); },
      [probe, log](resilience::CircuitState from, resilience::CircuitState to) {
        probe->breaker_state.Set(static_cast<double>(static_cast<int>(to)));
        log.log(to == resilience::CircuitState::open ? obs::LogLevel::warn : obs::LogLevel::info,
                "factory circuit breaker changed state",
                {{"from", std::string(resilience::to_string(from))}, {"to", std::string(resilience::to_string(to))}});
      });
  locks_ = std::make_unique<FactoryOrderLocks>();
  worker_ = std::make_unique<PlacementWorker>(
      *store_, *client_, *breaker_, make_placement_policy(s.retry), *emitter_, *locks_, *probe_,
      log.with({{"component", "placement-worker"}}), s.worker,
      [this](const std::string& factory_order_id) { factory_order_known(factory_order_id); });
  reconciler_ = std::make_unique<Reconciler>(*store_, *client_, *breaker_, *emitter_, *locks_, *probe_,
                                             log.with({{"component", "reconciler"}}), s.reconciler);
  PlacementWorker* worker = worker_.get();
  handlers_ = std::make_unique<EventHandlers>(*store_, *emitter_, *locks_, *probe_,
                                              log.with({{"component", "consumer"}}), [worker] { worker->wake(); });
  admin_ = std::make_unique<AdminApi>(*store_, *reconciler_, s.api_keys, log.with({{"component", "admin-api"}}));
  admin_->add_routes(rt.router());

  // The projection: the only processor the runtime starts; it opens the gate.
  projection_ = std::make_unique<ProjectionHandler>(*store_, *locks_, log.with({{"component", "projection"}}));
  ProjectionHandler* project = projection_.get();
  gate_ = std::make_unique<service::StartGate>(
      log.with({{"component", "start-gate"}}),
      "state rebuilt from caas.factory.events.v1: consumers, placement worker and reconciler started");
  service::StartGate* gate = gate_.get();
  rt.readiness().add("state-rebuilt", [gate] { return gate->is_open(); });
  service::EventProcessorOptions projection;
  projection.topics = {std::string(kFactoryEventsTopic)};
  projection.group_id = "caas-" + rt.info().name + "-projection";
  projection.on_caught_up = [gate] { gate->open(); };
  projection.on_applied_committed = [this, project] {
    for (const auto& id : project->take_recorded_factory_orders()) factory_order_known(id);
  };
  rt.add_processor(std::move(projection),
                   [project](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*project)(e, txn); });

  EventHandlers* handlers = handlers_.get();
  service::EventProcessorOptions commands;
  commands.topics = {std::string(kFactoryCommandsTopic)};
  add_gated_processor(
      rt, std::move(commands), "commands",
      [handlers](const service::ConsumedEvent& e, store::WriteTxn& txn) { return handlers->on_command(e, txn); });
  // Own group: a webhook that overtook its placement waits in this
  // processor's waiting room, keyed by factory order id, and is taken back
  // when the placement worker (or the projection) records the factory order.
  service::EventProcessorOptions statuses;
  statuses.topics = {std::string(kIngressStatusTopic)};
  statuses.group_id = "caas-" + rt.info().name + "-status";
  statuses.waiting = s.status_wait;
  status_processor_ = &add_gated_processor(rt, std::move(statuses), "status",
                                           [handlers](const service::ConsumedEvent& e, store::WriteTxn& txn) {
                                             return handlers->on_factory_status(e, txn);
                                           });
  Reconciler* reconciler = reconciler_.get();
  gate_->on_open([worker, reconciler] {
    worker->start();
    reconciler->start();
  });

  log.info("factory adapter configured",
           {{"factory_api_url", s.client.base_url},
            {"token", obs::Redacted{s.client.token}},
            {"timeout_ms", static_cast<std::int64_t>(s.client.timeout.count())},
            {"retry_initial_ms", static_cast<std::int64_t>(s.retry.initial_delay.count())},
            {"breaker_failures", s.breaker.consecutive_failures},
            {"stale_after_ms", static_cast<std::int64_t>(s.reconciler.schedule.stale_after.count())},
            {"poll_interval_ms", static_cast<std::int64_t>(s.reconciler.schedule.poll_interval.count())},
            {"reconcile_interval_ms", static_cast<std::int64_t>(s.reconciler.schedule.reconcile_interval.count())},
            {"unknown_order_grace_ms", static_cast<std::int64_t>(s.status_wait.grace.count())}});
}

service::EventProcessor& AdapterService::add_gated_processor(service::ServiceRuntime& rt,
                                                             service::EventProcessorOptions options,
                                                             const std::string& role, service::EventHandler handler) {
  auto processor = rt.make_processor(std::move(options), role, std::move(handler));
  service::EventProcessor* p = processor.get();
  gate_->on_open([p] { p->start(); });
  gated_.push_back(std::move(processor));
  return *p;
}

void AdapterService::factory_order_known(const std::string& factory_order_id) {
  if (status_processor_) status_processor_->release(factory_order_id);
}

void AdapterService::stop() {
  if (gate_) gate_->close();  // nothing starts any more; whatever did is stopped below
  if (reconciler_) reconciler_->stop();
  if (worker_) worker_->stop();
  // Finish the record in hand and commit; the runtime then drains the outbox.
  for (auto& p : gated_) p->stop();
}

}  // namespace caas::factory
