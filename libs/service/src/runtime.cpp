#include <caas/service/runtime.hpp>
#include <caas/service/shutdown.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string_view>

#ifndef CAAS_VERSION
#define CAAS_VERSION "0.0.0"
#endif

namespace caas::service {

namespace obs = caas::observability;
using namespace std::chrono_literals;

RuntimeConfig load_runtime_config(obs::EnvConfig& env, std::uint16_t default_port) {
  RuntimeConfig c;
  c.common = obs::load_common_config(env, default_port);
  c.schema_dir = env.string("CAAS_SCHEMA_DIR", events::default_schema_dir().string());
  c.http_threads = static_cast<unsigned>(env.integer("CAAS_HTTP_THREADS", 1, 1, 64));
  c.producer_queue_messages =
      static_cast<std::size_t>(env.integer("CAAS_PRODUCER_QUEUE_MESSAGES", 100000, 100, 10'000'000));
  c.shutdown_grace = env.duration_ms("CAAS_SHUTDOWN_GRACE", 10s, 0ms, 600s);
  c.max_outbox_pending = static_cast<std::size_t>(env.integer("CAAS_MAX_OUTBOX_PENDING", 10000, 10, 10'000'000));
  c.fetch_wait_max = env.duration_ms("CAAS_KAFKA_FETCH_WAIT_MAX", 500ms, 1ms, 10s);
  c.producer_linger = env.duration_ms("CAAS_KAFKA_LINGER", 1ms, 0ms, 1s);
  c.store_sync = env.boolean("CAAS_STORE_SYNC", false);
  c.kafka_stats_interval = std::chrono::milliseconds(env.integer("CAAS_KAFKA_STATS_INTERVAL_MS", 10000, 0, 600000));
  return c;
}

ServiceRuntime::ServiceRuntime(ServiceInfo info, RuntimeConfig config, obs::Logger log)
    : info_(std::move(info)), config_(std::move(config)), log_(std::move(log)) {
  schemas_ = std::make_unique<events::SchemaRegistry>(config_.schema_dir);
  const auto store_dir = std::filesystem::path(config_.common.data_dir) / info_.name;
  std::filesystem::create_directories(store_dir);
  store::StoreOptions store_options;
  store_options.sync_commits = config_.store_sync;
  store_ = store::StateStore::open(store_dir, store_options);

  kafka_stats_ = std::make_shared<KafkaStatsCollector>();
  metrics_.add_collectable(kafka_stats_);

  kafka::ProducerOptions popts;
  popts.max_queue_messages = config_.producer_queue_messages;
  popts.linger = config_.producer_linger;
  const auto producer_client = kafka_client("producer");
  instrument(popts, producer_client);
  producer_ = std::make_unique<kafka::Producer>(producer_client, popts);

  store::RelayOptions ropts;
  ropts.on_error = [this](const std::string& what, std::uint64_t seq) {
    log_.warn("outbox relay", {{"error", what}, {"seq", static_cast<std::int64_t>(seq)}});
  };
  relay_ = std::make_unique<store::OutboxRelay>(*store_, *producer_, ropts);

  http_options_.port = config_.common.http_port;
  http_options_.threads = config_.http_threads;

  outbox_pending_gauge_ = &metrics_.gauge("caas_outbox_pending", "Outbox entries not yet acknowledged by Kafka");
  producer_queue_gauge_ = &metrics_.gauge("caas_producer_queue_depth", "Records queued in the producer");
  kafka_reachable_gauge_ = &metrics_.gauge("caas_kafka_reachable", "1 when a broker answered the last probe");
  parked_keys_gauge_ = &metrics_.gauge("caas_dlq_parked_keys",
                                       "Keys parked behind a dead letter, waiting for an operator (redrive or discard)",
                                       {{"service", info_.name}});

  readiness_.add("kafka", [this] { return broker_reachable_.load(); });
  readiness_.add("store", [this] { return store_ != nullptr; });
}

ServiceRuntime::~ServiceRuntime() {
  shutdown();
}

kafka::ClientConfig ServiceRuntime::kafka_client(const std::string& role) const {
  kafka::ClientConfig c;
  c.bootstrap = config_.common.kafka_bootstrap;
  c.client_id = "caas-" + info_.name + "-" + config_.common.instance_id + "-" + role;
  return c;
}

kafka::ClientConfig ServiceRuntime::kafka_consumer_client(const std::string& role) const {
  auto c = kafka_client(role);
  c.overrides["fetch.wait.max.ms"] = std::to_string(config_.fetch_wait_max.count());
  return c;
}

void ServiceRuntime::instrument(kafka::ProducerOptions& options, const kafka::ClientConfig& client) const {
  if (config_.kafka_stats_interval.count() == 0) return;
  options.stats_interval = config_.kafka_stats_interval;
  options.on_stats = stats_callback(kafka_stats_, client.client_id);
}

void ServiceRuntime::instrument(kafka::ConsumerOptions& options, const kafka::ClientConfig& client) const {
  if (config_.kafka_stats_interval.count() == 0) return;
  options.stats_interval = config_.kafka_stats_interval;
  options.on_stats = stats_callback(kafka_stats_, client.client_id, options.group_id);
}

EventProcessor& ServiceRuntime::add_processor(EventProcessorOptions options, EventHandler handler) {
  if (started_) throw std::logic_error("add_processor after start()");
  auto processor = make_processor(std::move(options), std::to_string(processors_.size()), std::move(handler));
  auto& ref = *processor;
  processors_.push_back(std::move(processor));
  return ref;
}

std::unique_ptr<EventProcessor> ServiceRuntime::make_processor(EventProcessorOptions options, const std::string& role,
                                                               EventHandler handler) {
  // Backpressure from the relay's count. (Reading the oldest outbox entry
  // instead made every poll skip the tombstones of all delivered entries:
  // found by profiling the order-flow benchmark.)
  if (options.service.empty()) options.service = info_.name;
  if (options.group_id.empty()) options.group_id = "caas-" + info_.name;
  options.max_outbox_pending = config_.max_outbox_pending;
  auto client = kafka_consumer_client("consumer-" + role);
  if (config_.kafka_stats_interval.count() > 0) {
    options.stats_interval = config_.kafka_stats_interval;
    options.on_stats = stats_callback(kafka_stats_, client.client_id, options.group_id);
  }
  auto processor = std::make_unique<EventProcessor>(std::move(options), std::move(client), *store_, *schemas_, log_,
                                                    metrics_, std::move(handler),
                                                    [this] { return static_cast<std::size_t>(relay_->pending()); });
  EventProcessor* p = processor.get();
  readiness_.add("replay-caught-up-" + role, [p] { return p->caught_up(); });
  return processor;
}

void ServiceRuntime::start() {
  if (started_) return;
  started_ = true;
  relay_->start();
  monitor_ = std::thread([this] { monitor_loop(); });
  for (auto& p : processors_) p->start();
  add_ops_routes(router_, metrics_, readiness_);
  http_observer_ = std::make_unique<HttpMetricsObserver>(metrics_);
  server_ = std::make_unique<http::Server>(http_options_, std::move(router_), http_observer_.get());
  server_->start();
  log_.info("service started", {{"http_port", static_cast<std::int64_t>(server_->port())},
                                {"kafka_bootstrap", config_.common.kafka_bootstrap},
                                {"data_dir", config_.common.data_dir}});
}

std::uint16_t ServiceRuntime::http_port() const {
  return server_ ? server_->port() : 0;
}

void ServiceRuntime::shutdown(const std::function<void()>& after_http_stopped) {
  if (stopped_) return;
  stopped_ = true;
  const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
  auto left = [&] {
    return std::max(0ms,
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  };
  if (server_) server_->stop(left() / 2);        // 1. no new requests; in-flight ones finish
  if (after_http_stopped) after_http_stopped();  // 2. the service's own background work
  for (auto& p : processors_) p->stop();         // 3. finish the record in hand, commit offsets
  bool drained = true;
  if (started_) drained = relay_->stop(std::chrono::steady_clock::now() + left());  // 4. drain the outbox
  relay_.reset();
  if (producer_) producer_->flush(left());  // 5. flush
  {
    std::lock_guard lock(monitor_mutex_);
    monitor_stop_ = true;
  }
  monitor_cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  log_.info("service stopped",
            {{"outbox_drained", drained}, {"outbox_left", static_cast<std::int64_t>(store_->outbox_size())}});
}

void ServiceRuntime::monitor_loop() {
  std::unique_lock lock(monitor_mutex_);
  while (!monitor_stop_) {
    lock.unlock();
    const bool reachable = producer_->connected(1000ms);
    if (reachable != broker_reachable_.load()) {
      log_.log(reachable ? obs::LogLevel::info : obs::LogLevel::warn,
               reachable ? "kafka reachable" : "kafka unreachable", {{"error", producer_->last_client_error()}});
    }
    broker_reachable_ = reachable;
    kafka_reachable_gauge_->Set(reachable ? 1 : 0);
    if (relay_) outbox_pending_gauge_->Set(static_cast<double>(relay_->pending()));
    producer_queue_gauge_->Set(static_cast<double>(producer_->queue_depth()));
    // Parked keys are few (each one is an incident), so counting them is a
    // short prefix scan of the store.
    std::size_t parked = 0;
    store_->scan_prefix(kParkedPrefix, [&parked](std::string_view, std::string_view) {
      ++parked;
      return true;
    });
    parked_keys_gauge_->Set(static_cast<double>(parked));
    lock.lock();
    monitor_cv_.wait_for(lock, 2s, [this] { return monitor_stop_; });
  }
}

namespace {

void print_help(const ServiceInfo& info) {
  std::printf(
      "caas-%s — %s\n\n"
      "Usage: caas-%s [--help] [--version]\n\n"
      "Configuration is read from the environment (DESIGN.md §7):\n"
      "  CAAS_KAFKA_BOOTSTRAP   Kafka bootstrap list (default localhost:9092)\n"
      "  CAAS_DATA_DIR          store root; this service uses <dir>/%s (default ./data)\n"
      "  CAAS_HTTP_PORT         HTTP port (default %u)\n"
      "  CAAS_LOG_LEVEL         debug|info|warn|error (default info)\n"
      "  CAAS_INSTANCE_ID       replica id (default: host name)\n"
      "  CAAS_SCHEMA_DIR        JSON Schemas directory (default ./proto-schemas)\n"
      "  CAAS_HTTP_THREADS, CAAS_PRODUCER_QUEUE_MESSAGES, CAAS_SHUTDOWN_GRACE, CAAS_MAX_OUTBOX_PENDING,\n"
      "  CAAS_KAFKA_STATS_INTERVAL_MS (consumer lag / producer queue metrics; 0 = off, default 10000)\n"
      "See services/%s/README.md for the service's own settings.\n",
      info.name.c_str(), info.summary.c_str(), info.name.c_str(), info.name.c_str(),
      static_cast<unsigned>(info.default_port), info.name.c_str());
}

}  // namespace

int run_service(const ServiceInfo& info, Service& service, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_help(info);
      return 0;
    }
    if (arg == "--version") {
      std::printf("caas-%s %s\n", info.name.c_str(), CAAS_VERSION);
      return 0;
    }
    std::fprintf(stderr, "caas-%s: unknown argument '%s' (try --help)\n", info.name.c_str(), argv[i]);
    return 2;
  }

  ShutdownSignal signals;  // before any thread starts: every thread inherits the mask
  RuntimeConfig config;
  obs::EnvConfig env;
  try {
    config = load_runtime_config(env, info.default_port);
    service.load_config(env);
    env.throw_if_errors();
  } catch (const obs::ConfigError& e) {
    std::fprintf(stderr, "caas-%s: invalid configuration:\n", info.name.c_str());
    for (const auto& p : e.problems()) std::fprintf(stderr, "  - %s\n", p.c_str());
    return 2;
  }

  obs::Logger log({info.name, config.common.instance_id, config.common.log_level, {}});
  log.info("starting", {{"version", CAAS_VERSION}, {"config", env.describe()}});
  try {
    ServiceRuntime runtime(info, config, log);
    service.wire(runtime);
    runtime.start();
    const int sig = signals.wait();
    log.info("shutdown requested", {{"signal", sig == 0 ? std::string("request") : strsignal(sig)}});
    runtime.shutdown([&service] { service.stop(); });
  } catch (const std::exception& e) {
    log.error("fatal", {{"error", e.what()}});
    return 1;
  }
  return 0;
}

}  // namespace caas::service
