#pragma once
// The whole order flow as real processes on loopback, for end-to-end tests:
// an in-process Kafka-protocol broker (MockCluster), caas-factory-sim,
// caas-webhook-ingress, caas-order and caas-factory-adapter, each started
// from the build tree with its own data directory, killable (SIGKILL),
// restartable and wipeable one by one. Every wait is bounded.
// The vehicle side (issue 13): caas-iot-sim streaming signed telemetry into
// the ingress, and caas-telemetry-ingest (start_vehicle_flow()).
// The OTA side (issue 14): caas-ota-engine against the same caas-iot-sim
// (start(Proc::ota) once the simulator is up); caas-notification, when it
// runs beside the simulator, also writes to the car's display.

#include <rapidjson/document.h>
#include <caas/devbroker/mock_cluster.hpp>
#include <caas/http/client.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "child_process.hpp"
#include "mail_sink.hpp"
#include "push_gateway.hpp"

namespace caas::e2e {

/// Credentials the platform under test is configured with.
inline constexpr const char* kDealerKey = "e2e-dealer-key-0123456789";
inline constexpr const char* kAdminKey = "e2e-admin-key-0123456789ab";
inline constexpr const char* kDealership = "DEALER-ES-001";
inline constexpr const char* kFactoryToken = "e2e-factory-api-token";
inline constexpr const char* kFactoryWebhookSecret = "e2e-factory-webhook-secret";
inline constexpr const char* kPushToken = "e2e-push-gateway-token";
inline constexpr const char* kIotApiToken = "e2e-iot-api-token";

struct JsonResponse {
  int status = 0;  // 0 = transport failure (see error)
  std::string body;
  std::string error;
  rapidjson::Document json;  // parsed body (Null when not JSON)
  const rapidjson::Value& operator[](const char* field) const { return json[field]; }
  std::string str(const char* field) const;  // "" when absent / not a string
};

/// JSON over HTTP with a deadline on every call.
class Api {
 public:
  explicit Api(std::uint16_t port, std::string api_key = {});
  JsonResponse get(const std::string& path) const;
  JsonResponse post(const std::string& path, const std::string& body) const;
  JsonResponse call(const std::string& method, const std::string& path, const std::string& body) const;
  /// With extra request headers (Authorization, Idempotency-Key, …).
  JsonResponse call(const std::string& method, const std::string& path, const std::string& body,
                    const std::map<std::string, std::string>& headers) const;
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  std::string api_key_;
  std::shared_ptr<http::HttpClient> client_;
};

/// Tuning of the processes under test (timers in milliseconds so tests run fast).
struct PlatformOptions {
  std::string stage_interval = "150ms";  // simulator: time between manufacturing stages
  std::string webhook_retry_base = "50ms";
  std::map<std::string, std::string> order_env;
  std::map<std::string, std::string> adapter_env;
  std::map<std::string, std::string> ingress_env;
  /// Also run caas-notification with a real SMTP server (caas-mail-sink) and
  /// the push gateway simulator.
  bool with_notification = false;
  std::map<std::string, std::string> notification_env;
  /// The vehicle side (start_vehicle_flow): caas-iot-sim's flags after the
  /// wiring ones (ports, token, secret, webhook URLs), e.g. --vehicles, --seed.
  std::vector<std::string> iot_sim_args;
  std::map<std::string, std::string> telemetry_env;
  /// caas-ota-engine (issue 14), e.g. CAAS_OTA_RETRY_SCALE.
  std::map<std::string, std::string> ota_env;
};

class Platform {
 public:
  enum class Proc { factory_sim, ingress, order, adapter, notification, iot_sim, telemetry, ota };

  explicit Platform(PlatformOptions options = {});
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  /// Starts every process and waits until all are ready.
  void start_all();
  /// Starts only the vehicle side: the ingress, caas-telemetry-ingest and
  /// caas-iot-sim (telemetry and command statuses into the ingress); waits
  /// until all are ready.
  void start_vehicle_flow();
  void start(Proc p);
  void kill_hard(Proc p);   // SIGKILL: no shutdown code runs
  void stop(Proc p);        // SIGTERM and wait for a clean exit (REQUIREs exit 0)
  void wipe_store(Proc p);  // delete the service's RocksDB directory (process must be down)
  bool wait_ready(Proc p, std::chrono::milliseconds timeout) const;

  std::uint16_t port(Proc p) const;
  const std::string& bootstrap() const { return cluster_->bootstrap(); }
  devbroker::MockCluster& cluster() { return *cluster_; }
  Api order_api(const std::string& key = kDealerKey) const { return Api(port(Proc::order), key); }
  Api adapter_api() const { return Api(port(Proc::adapter), kAdminKey); }
  Api factory_sim() const { return Api(port(Proc::factory_sim)); }
  Api notification_api() const { return Api(port(Proc::notification), kAdminKey); }
  Api iot_sim() const { return Api(port(Proc::iot_sim)); }  // its /control routes
  Api telemetry_api() const { return Api(port(Proc::telemetry), kAdminKey); }
  Api ota_api(const std::string& key = kAdminKey) const { return Api(port(Proc::ota), key); }
  /// The notification partners (with_notification only).
  testing::MailSink& mail() { return *mail_; }
  testing::PushGateway& push() { return *push_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::map<std::string, std::string> env_for(Proc p) const;
  std::vector<std::string> argv_for(Proc p) const;

  PlatformOptions options_;
  std::filesystem::path dir_;
  std::unique_ptr<devbroker::MockCluster> cluster_;
  std::map<Proc, std::uint16_t> ports_;
  std::map<Proc, std::unique_ptr<testing::ChildProcess>> procs_;
  std::unique_ptr<testing::MailSink> mail_;
  std::unique_ptr<testing::PushGateway> push_;
};

const char* name(Platform::Proc p);

/// The HS256 secret of customer tokens the services are configured with.
inline constexpr const char* kCustomerTokenSecret = "e2e-customer-token-secret-0123456789";

/// "Bearer <token>": a customer's HS256 token (an hour long) signed with the
/// secret the services are configured with (CAAS_TOKEN_SECRET_FILE).
std::string customer_bearer(const std::string& customer_id);

/// A register-sale body for the dealership above; `n` varies customer and options.
std::string sale_body(int n);

}  // namespace caas::e2e
