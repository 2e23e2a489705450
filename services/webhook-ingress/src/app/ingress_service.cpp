#include "app/ingress_service.hpp"

#include <algorithm>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace caas::ingress {

namespace obs = caas::observability;
using namespace std::chrono_literals;

IngressSettings load_ingress_settings(obs::EnvConfig& env) {
  IngressSettings s;
  std::vector<SourceConfig> sources = default_sources();
  const auto file = env.string("CAAS_INGRESS_SOURCES_FILE", "");
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      env.add_error("CAAS_INGRESS_SOURCES_FILE: cannot read " + file);
    } else {
      std::stringstream text;
      text << in.rdbuf();
      auto parsed = parse_sources(text.str());
      if (!parsed) {
        env.add_error("CAAS_INGRESS_SOURCES_FILE (" + file + "): " + parsed.error().message);
      } else {
        sources = std::move(parsed.value());
      }
    }
  }
  // Several sources may share one secrets file (the two API IoT endpoints):
  // each variable is read and reported once.
  std::map<std::string, std::optional<security::SecretSet>> by_variable;
  for (auto& src : sources) {
    auto it = by_variable.find(src.secrets_env);
    if (it == by_variable.end()) {
      std::optional<security::SecretSet> loaded;
      const auto path = env.string(src.secrets_env, "");
      if (path.empty()) {
        env.add_error(src.secrets_env + ": required (secrets file of webhook source '" + src.name + "')");
      } else {
        try {
          loaded = security::SecretSet::load_file(path);
        } catch (const std::exception& e) {
          env.add_error(src.secrets_env + ": " + e.what());
        }
      }
      it = by_variable.emplace(src.secrets_env, std::move(loaded)).first;
    }
    if (it->second) s.sources.push_back({src, *it->second});
  }
  auto& o = s.options;
  o.signature_tolerance = std::chrono::duration_cast<std::chrono::seconds>(
      env.duration_ms("CAAS_INGRESS_SIGNATURE_TOLERANCE", 5min, 1s, 1h));
  o.check_known_orders = env.boolean("CAAS_INGRESS_CHECK_KNOWN_ORDERS", true);
  o.unknown_order_grace = env.duration_ms("CAAS_INGRESS_UNKNOWN_ORDER_GRACE", 10min, 0ms, 24h * 7);
  o.dedup_retention = env.duration_ms("CAAS_INGRESS_DEDUP_RETENTION", 48h, 1min, 24h * 30);
  o.json_limits.max_depth = static_cast<std::size_t>(env.integer("CAAS_INGRESS_MAX_JSON_DEPTH", 32, 2, 256));
  s.header_read_timeout = env.duration_ms("CAAS_INGRESS_HEADER_TIMEOUT", 5s, 100ms, 120s);
  s.body_read_timeout = env.duration_ms("CAAS_INGRESS_BODY_TIMEOUT", 10s, 100ms, 300s);
  s.idle_timeout = env.duration_ms("CAAS_INGRESS_IDLE_TIMEOUT", 30s, 100ms, 3600s);
  s.max_connections = static_cast<std::size_t>(env.integer("CAAS_INGRESS_MAX_CONNECTIONS", 4096, 1, 1'000'000));
  s.max_in_flight = static_cast<std::size_t>(env.integer("CAAS_INGRESS_MAX_IN_FLIGHT", 4096, 1, 1'000'000));
  s.max_header_bytes =
      static_cast<std::size_t>(env.integer("CAAS_INGRESS_MAX_HEADER_BYTES", 16 * 1024, 1024, 1024 * 1024));
  s.max_header_fields = static_cast<std::size_t>(env.integer("CAAS_INGRESS_MAX_HEADER_FIELDS", 100, 8, 10'000));
  s.produce_timeout = env.duration_ms("CAAS_INGRESS_PRODUCE_TIMEOUT", 5s, 100ms, 300s);
  s.producer_linger = env.duration_us("CAAS_INGRESS_PRODUCER_LINGER", 200us, 0us, 1s);
  s.prune_interval = env.duration_ms("CAAS_INGRESS_PRUNE_INTERVAL", 10min, 100ms, 24h);
  s.producer_batch_scheduling = env.boolean("CAAS_INGRESS_PRODUCER_BATCH_SCHEDULING", true);
  if (s.producer_linger >= s.produce_timeout) {
    env.add_error("CAAS_INGRESS_PRODUCER_LINGER must be below CAAS_INGRESS_PRODUCE_TIMEOUT");
  }
  return s;
}

IngressService::IngressService(events::Clock clock) : clock_(std::move(clock)) {}

IngressService::~IngressService() {
  stop();
}

void IngressService::load_config(obs::EnvConfig& env) {
  settings_ = std::make_unique<IngressSettings>(load_ingress_settings(env));
}

void IngressService::wire(service::ServiceRuntime& rt) {
  // The runtime (run_service, RunningService) loads the configuration once, first.
  if (!settings_) throw std::logic_error("wire() before load_config()");
  auto& s = *settings_;
  log_ = rt.log();
  shutdown_grace_ = rt.config().shutdown_grace;

  kafka::ProducerOptions popts;
  popts.max_queue_messages = rt.config().producer_queue_messages;
  popts.linger = s.producer_linger;
  // Bounded: a record Kafka cannot take within this time is answered 503,
  // never left hanging on the partner's connection.
  popts.delivery_timeout = s.produce_timeout;
  popts.close_timeout = std::min<std::chrono::milliseconds>(rt.config().shutdown_grace, 10s);
  // Acknowledgements are served on the HTTP I/O thread that answers the
  // webhook: no hand-off from a poll thread per acknowledged batch.
  popts.serve_on_event_loop = true;
  popts.batch_scheduled_threads = s.producer_batch_scheduling;
  const auto producer_client = rt.kafka_client("ingress-producer");
  rt.instrument(popts, producer_client);  // kafka_producer_queue_messages
  producer_ = std::make_unique<kafka::Producer>(producer_client, popts);

  std::size_t max_body = 0;
  for (const auto& src : s.sources) max_body = std::max(max_body, src.config.max_body_bytes);
  auto& http = rt.http_options();
  http.max_body_bytes = max_body;
  http.max_header_bytes = s.max_header_bytes;
  http.max_header_fields = s.max_header_fields;
  http.header_read_timeout = s.header_read_timeout;
  http.body_read_timeout = s.body_read_timeout;
  http.idle_timeout = s.idle_timeout;
  http.max_connections = s.max_connections;
  http.max_in_flight = s.max_in_flight;
  kafka::Producer* acks = producer_.get();
  http.watches.push_back({acks->delivery_event_fd(), [acks] { acks->serve_deliveries(); }});

  std::vector<std::string> described;
  for (const auto& src : s.sources) {
    described.push_back(src.config.name + " " + src.config.path + " " + std::string(to_string(src.config.signature)) +
                        " " + src.secrets.redacted());
  }
  app_ = std::make_unique<IngressApp>(s.sources, s.options, *producer_, rt.store(), rt.schemas(),
                                      rt.log().with({{"component", "ingress"}}), rt.metrics(), clock_);
  app_->add_routes(rt.router());
  for (const auto& d : described) rt.log().info("webhook source", {{"source", d}});

  std::vector<std::string> topics;
  for (const auto& src : s.sources) {
    if (std::find(topics.begin(), topics.end(), src.config.topic) == topics.end()) topics.push_back(src.config.topic);
  }
  for (const auto& topic : producer_->warm_up(topics)) {
    rt.log().warn("topic metadata not available yet; the first webhooks to it wait for it", {{"topic", topic}});
  }

  kafka::Producer* producer = producer_.get();
  rt.readiness().add("ingress-kafka", [producer] { return producer->brokers_reachable_hint(); });

  if (app_->needs_known_orders()) {
    service::EventProcessorOptions popt;
    popt.topics = {"caas.factory.events.v1"};
    IngressApp* app = app_.get();
    rt.add_processor(std::move(popt), [app](const service::ConsumedEvent& e, store::WriteTxn& txn) {
      return app->on_factory_event(e, txn);
    });
  }
  // One background thread: prunes dedup markers every prune_interval and,
  // while librdkafka reports all brokers down, probes the brokers so the
  // ingress notices their return (it sends nothing while they are down, so
  // no delivery would tell it).
  const auto interval = s.prune_interval;
  pruner_ = std::thread([this, interval] {
    constexpr auto kProbeEvery = 250ms;
    auto next_prune = std::chrono::steady_clock::now() + interval;
    std::unique_lock lock(prune_mutex_);
    while (!prune_cv_.wait_for(lock, kProbeEvery, [this] { return prune_stop_; })) {
      lock.unlock();
      if (!producer_->brokers_reachable_hint()) producer_->connected(500ms);
      if (std::chrono::steady_clock::now() >= next_prune) {
        prune_loop();
        next_prune = std::chrono::steady_clock::now() + interval;
      }
      lock.lock();
    }
  });
}

void IngressService::prune_loop() {
  try {
    if (const auto n = app_->prune(); n > 0) log_.info("pruned dedup markers", {{"removed", n}});
  } catch (const std::exception& e) {
    log_.warn("prune failed", {{"error", e.what()}});
  }
}

void IngressService::stop() {
  {
    std::lock_guard lock(prune_mutex_);
    prune_stop_ = true;
  }
  prune_cv_.notify_all();
  if (pruner_.joinable()) pruner_.join();
  if (app_) app_->stop_accepting();
  // Requests already handed to Kafka get their answer before the runtime
  // (store, metrics) goes away; whatever is still unacknowledged after the
  // grace is answered 503 by the detached app.
  if (producer_) producer_->flush(shutdown_grace_ / 2);
  if (app_) app_->detach();
}

}  // namespace caas::ingress
