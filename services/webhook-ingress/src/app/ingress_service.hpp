#pragma once
// The webhook-ingress service on the platform skeleton: its configuration
// (sources, secrets, limits), its routes, the known-factory-orders
// projection and the background pruning of dedup markers.

#include "app/ingress_app.hpp"

#include <caas/service/runtime.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace caas::ingress {

struct IngressSettings {
  std::vector<SourceBinding> sources;
  IngressOptions options;
  std::chrono::milliseconds header_read_timeout{5000};
  std::chrono::milliseconds body_read_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};
  std::size_t max_connections = 4096;
  std::size_t max_in_flight = 4096;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_header_fields = 100;
  std::chrono::milliseconds produce_timeout{5000};
  // Each webhook waits for its acknowledgement, so the linger is on every
  // request's path: well below a millisecond. Under load batches fill anyway
  // while earlier produce requests are in flight.
  std::chrono::microseconds producer_linger{200};
  bool producer_batch_scheduling = true;  // librdkafka threads SCHED_BATCH (see kafka::ProducerOptions)
  std::chrono::milliseconds prune_interval{std::chrono::minutes{10}};
};

/// Reads the service's variables (see README); problems are recorded in `env`.
IngressSettings load_ingress_settings(observability::EnvConfig& env);

class IngressService final : public service::Service {
 public:
  /// `clock` drives signature tolerance, grace periods and receipt times.
  explicit IngressService(events::Clock clock = events::system_now);
  ~IngressService() override;

  void load_config(observability::EnvConfig& env) override;
  void wire(service::ServiceRuntime& runtime) override;
  void stop() override;

  IngressApp& app() { return *app_; }
  kafka::Producer& producer() { return *producer_; }

 private:
  void prune_loop();

  events::Clock clock_;
  std::unique_ptr<IngressSettings> settings_;
  std::chrono::milliseconds shutdown_grace_{10000};
  observability::Logger log_{observability::LoggerOptions{"webhook-ingress", "", observability::LogLevel::info, {}}};
  // Declaration order matters: the producer is destroyed first, so delivery
  // callbacks purged by its destructor still find the (detached) app.
  std::unique_ptr<IngressApp> app_;
  std::unique_ptr<kafka::Producer> producer_;
  std::mutex prune_mutex_;
  std::condition_variable prune_cv_;
  bool prune_stop_ = false;
  std::thread pruner_;
};

}  // namespace caas::ingress
