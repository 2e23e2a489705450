#pragma once
// The order service on the platform skeleton: configuration, the owner
// processor (commands + factory events), the read-model replica, the API and
// the background work (payment-deadline scanner, orders_by_state gauge).

#include "api/order_api.hpp"
#include "handlers/order_handler.hpp"

#include <caas/service/runtime.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace caas::order {

struct OrderSettings {
  ApiOptions api;
  Policy policy;
  std::string api_keys_file;                        // CAAS_API_KEYS_FILE (required)
  std::string token_secret_file;                    // CAAS_TOKEN_SECRET_FILE (optional)
  bool read_model = true;                           // CAAS_ORDER_READ_MODEL
  std::chrono::milliseconds deadline_scan{30000};   // CAAS_ORDER_DEADLINE_SCAN_INTERVAL
  std::chrono::milliseconds gauge_interval{15000};  // CAAS_ORDER_STATE_GAUGE_INTERVAL
  std::chrono::milliseconds produce_timeout{5000};  // CAAS_ORDER_PRODUCE_TIMEOUT
};

OrderSettings load_order_settings(observability::EnvConfig& env);

class OrderService final : public service::Service {
 public:
  explicit OrderService(events::Clock clock = events::system_now);
  ~OrderService() override;

  void load_config(observability::EnvConfig& env) override;
  void wire(service::ServiceRuntime& runtime) override;
  void stop() override;

  /// The read-model replica's store (null when disabled).
  store::StateStore* view_store() { return view_store_.get(); }

 private:
  void background_loop();
  void scan_deadlines();
  void update_state_gauge();

  events::Clock clock_;
  std::unique_ptr<OrderSettings> settings_;
  service::ServiceRuntime* runtime_ = nullptr;  // valid between wire() and the runtime's shutdown
  std::chrono::milliseconds shutdown_grace_{10000};
  observability::Logger log_{observability::LoggerOptions{"order", "", observability::LogLevel::info, {}}};
  std::unique_ptr<OrderProbe> probe_;
  std::unique_ptr<OrderHandler> owner_handler_;
  std::unique_ptr<store::StateStore> view_store_;
  std::unique_ptr<OrderHandler> view_handler_;
  std::unique_ptr<service::EventProcessor> view_processor_;
  // Declaration order: the producer goes before the API, so delivery
  // callbacks purged by its destructor still find the API.
  std::unique_ptr<OrderApi> api_;
  std::unique_ptr<kafka::Producer> producer_;
  std::map<std::string, std::chrono::steady_clock::time_point> expiries_sent_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread background_;
};

}  // namespace caas::order
