#pragma once
// ServiceRuntime: the wiring every service's main() shares, so a service is
// only its own config, routes and handlers:
//
//   int main(int argc, char** argv) {
//     OrderService service;                       // implements caas::service::Service
//     return caas::service::run_service({"order", 8081, "..."}, service, argc, argv);
//   }
//
// run_service(): --help/--version, signals, configuration (common + the
// service's own, every bad value reported by name), logger and metrics from
// the first line, store, producer, outbox relay, HTTP with /healthz /readyz
// /metrics, the service's event processors, then the staged shutdown of
// DESIGN.md: stop HTTP intake -> stop the service's own work -> stop
// consumers (finish the record in hand, commit offsets) -> drain the outbox
// -> flush the producer -> close the store. Each step is bounded in time.

#include <caas/events/schema_registry.hpp>
#include <caas/http/server.hpp>
#include <caas/kafka/config.hpp>
#include <caas/kafka/consumer.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/observability/env_config.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/event_processor.hpp>
#include <caas/service/kafka_stats.hpp>
#include <caas/service/ops_http.hpp>
#include <caas/store/outbox_relay.hpp>
#include <caas/store/state_store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace caas::service {

struct ServiceInfo {
  std::string name;            // "order": store dir, DLQ topic, group id, log field
  std::uint16_t default_port;  // DESIGN.md §2
  std::string summary;         // one line for --help
};

/// Settings of the runtime itself, read from the environment with the common ones.
struct RuntimeConfig {
  observability::CommonConfig common;
  std::string schema_dir;                           // CAAS_SCHEMA_DIR
  unsigned http_threads = 1;                        // CAAS_HTTP_THREADS
  std::size_t producer_queue_messages = 100000;     // CAAS_PRODUCER_QUEUE_MESSAGES
  std::chrono::milliseconds shutdown_grace{10000};  // CAAS_SHUTDOWN_GRACE
  std::size_t max_outbox_pending = 10000;           // CAAS_MAX_OUTBOX_PENDING
  // CAAS_KAFKA_FETCH_WAIT_MAX (fetch.wait.max.ms): how long a broker may hold
  // an empty fetch. A real broker answers as soon as data arrives, so this
  // only bounds idle polling; librdkafka's mock broker (the local broker)
  // holds an empty fetch for the whole wait and does not wake on new data, so
  // every hop of a flow costs up to this much there: local runs set ~10ms.
  std::chrono::milliseconds fetch_wait_max{500};
  // CAAS_KAFKA_LINGER (linger.ms of the outbox producer): how long a record
  // waits for others to share its produce request. Every event of a flow
  // waits this long once per hop; under load batches fill anyway while
  // earlier requests are in flight, so a short linger costs little.
  std::chrono::milliseconds producer_linger{1};
  // CAAS_STORE_SYNC: fsync the store's write-ahead log on every commit. Off by
  // default: the store is a cache of the Kafka log (DESIGN.md section 5), a
  // killed process loses nothing (the WAL write is in the OS before commit
  // returns), and after a machine crash RocksDB recovers a consistent prefix
  // (state, processed ids and offsets together), from which the service
  // re-reads its inputs and re-emits the same, deterministic event ids that
  // consumers drop. Kafka itself relies on replication, not fsync, the same
  // way. On: one fsync per processed record, which on a shared disk caps
  // every processor at a few hundred records/s.
  bool store_sync = false;
  // CAAS_KAFKA_STATS_INTERVAL_MS (statistics.interval.ms of every client the
  // runtime makes): how often consumer lag and producer queue depth are
  // refreshed (kafka_consumer_lag, kafka_producer_queue_messages). 0 = off.
  std::chrono::milliseconds kafka_stats_interval{10000};
};
RuntimeConfig load_runtime_config(observability::EnvConfig& env, std::uint16_t default_port);

class ServiceRuntime;

/// What a service adds to the runtime.
class Service {
 public:
  virtual ~Service() = default;
  /// Reads and validates the service's own settings. Problems are collected
  /// in `env` (not thrown) so the operator sees all of them at once.
  virtual void load_config(observability::EnvConfig& env) { (void)env; }
  /// Adds routes, event processors and background work. Called once, before start.
  virtual void wire(ServiceRuntime& runtime) = 0;
  /// Stops the service's own background work; called first during shutdown.
  virtual void stop() {}
};

class ServiceRuntime {
 public:
  /// Opens the store and creates the producer; throws on failure.
  ServiceRuntime(ServiceInfo info, RuntimeConfig config, observability::Logger log);
  ~ServiceRuntime();  // shutdown()
  ServiceRuntime(const ServiceRuntime&) = delete;
  ServiceRuntime& operator=(const ServiceRuntime&) = delete;

  const ServiceInfo& info() const { return info_; }
  const RuntimeConfig& config() const { return config_; }
  const observability::Logger& log() const { return log_; }
  observability::Metrics& metrics() { return metrics_; }
  store::StateStore& store() { return *store_; }
  /// Outbox entries not yet acknowledged by the broker (the relay's count),
  /// for processors a service creates itself (their backpressure signal).
  std::size_t outbox_pending() const { return static_cast<std::size_t>(relay_->pending()); }
  kafka::Producer& producer() { return *producer_; }
  const events::SchemaRegistry& schemas() const { return *schemas_; }
  kafka::ClientConfig kafka_client(const std::string& role) const;
  /// Adds the runtime's librdkafka statistics (queue depth, as
  /// kafka_producer_queue_messages{client}) to a producer a service makes
  /// itself from kafka_client(); call before constructing the Producer.
  void instrument(kafka::ProducerOptions& options, const kafka::ClientConfig& client) const;
  /// The same for a consumer a service makes itself: kafka_consumer_lag{group}.
  void instrument(kafka::ConsumerOptions& options, const kafka::ClientConfig& client) const;
  /// kafka_client() plus the consumer settings of RuntimeConfig (fetch wait).
  kafka::ClientConfig kafka_consumer_client(const std::string& role) const;
  Readiness& readiness() { return readiness_; }
  /// Routes must be added before start().
  http::Router& router() { return router_; }
  http::ServerOptions& http_options() { return http_options_; }

  /// Adds a consumer loop; group id defaults to "caas-<service>".
  EventProcessor& add_processor(EventProcessorOptions options, EventHandler handler);
  /// A consumer loop the service starts and stops itself (e.g. behind a
  /// StartGate), wired like add_processor's: DLQ, group id default,
  /// backpressure from the relay's count, readiness "replay-caught-up-<role>".
  /// The processor must outlive the runtime's HTTP server (readiness reads it).
  std::unique_ptr<EventProcessor> make_processor(EventProcessorOptions options, const std::string& role,
                                                 EventHandler handler);

  /// Starts the relay, the processors and the HTTP server (in that order, so
  /// nothing is accepted that cannot be processed).
  void start();
  /// The staged shutdown described above. `after_http_stopped` runs between
  /// stopping HTTP and stopping the consumers (Service::stop). Idempotent.
  void shutdown(const std::function<void()>& after_http_stopped = {});
  /// Port the HTTP server listens on (after start()).
  std::uint16_t http_port() const;

 private:
  void monitor_loop();

  ServiceInfo info_;
  RuntimeConfig config_;
  observability::Logger log_;
  observability::Metrics metrics_;
  std::shared_ptr<KafkaStatsCollector> kafka_stats_;  // before every Kafka client
  std::unique_ptr<events::SchemaRegistry> schemas_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<store::OutboxRelay> relay_;
  std::vector<std::unique_ptr<EventProcessor>> processors_;
  Readiness readiness_;
  http::Router router_;
  http::ServerOptions http_options_;
  std::unique_ptr<HttpMetricsObserver> http_observer_;
  std::unique_ptr<http::Server> server_;

  prometheus::Gauge* outbox_pending_gauge_ = nullptr;  // owned by metrics_
  prometheus::Gauge* producer_queue_gauge_ = nullptr;
  prometheus::Gauge* kafka_reachable_gauge_ = nullptr;
  prometheus::Gauge* parked_keys_gauge_ = nullptr;

  // Broker reachability is probed off the HTTP threads and cached for /readyz.
  std::atomic<bool> broker_reachable_{false};
  std::mutex monitor_mutex_;
  std::condition_variable monitor_cv_;
  bool monitor_stop_ = false;
  std::thread monitor_;
  bool started_ = false;
  bool stopped_ = false;
};

/// The whole main(): returns the process exit code (0 clean shutdown,
/// 2 bad configuration or usage, 1 start-up failure).
int run_service(const ServiceInfo& info, Service& service, int argc, char** argv);

}  // namespace caas::service
