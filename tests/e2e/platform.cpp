#include "platform.hpp"

#include <caas/security/identity.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <stdexcept>

#include "eventually.hpp"
#include "local_resources.hpp"

namespace caas::e2e {
namespace {

using namespace std::chrono_literals;

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

const char* service_dir_name(Platform::Proc p) {
  switch (p) {
    case Platform::Proc::ingress:
      return "webhook-ingress";
    case Platform::Proc::order:
      return "order";
    case Platform::Proc::adapter:
      return "factory-adapter";
    case Platform::Proc::factory_sim:
      return "factory-sim";
    case Platform::Proc::notification:
      return "notification";
    case Platform::Proc::iot_sim:
      return "iot-sim";
    case Platform::Proc::telemetry:
      return "telemetry-ingest";
    case Platform::Proc::ota:
      return "ota-engine";
  }
  return "?";
}

// The simulators write the port they bound to a file once they listen.
bool writes_port_file(Platform::Proc p) {
  return p == Platform::Proc::factory_sim || p == Platform::Proc::iot_sim;
}

}  // namespace

const char* name(Platform::Proc p) {
  switch (p) {
    case Platform::Proc::factory_sim:
      return "caas-factory-sim";
    case Platform::Proc::ingress:
      return "caas-webhook-ingress";
    case Platform::Proc::order:
      return "caas-order";
    case Platform::Proc::adapter:
      return "caas-factory-adapter";
    case Platform::Proc::notification:
      return "caas-notification";
    case Platform::Proc::iot_sim:
      return "caas-iot-sim";
    case Platform::Proc::telemetry:
      return "caas-telemetry-ingest";
    case Platform::Proc::ota:
      return "caas-ota-engine";
  }
  return "?";
}

std::string JsonResponse::str(const char* field) const {
  if (!json.IsObject()) return {};
  auto it = json.FindMember(field);
  return it != json.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string{};
}

Api::Api(std::uint16_t port, std::string api_key)
    : port_(port), api_key_(std::move(api_key)), client_(std::make_shared<http::HttpClient>()) {}

JsonResponse Api::get(const std::string& path) const {
  return call("GET", path, "");
}
JsonResponse Api::post(const std::string& path, const std::string& body) const {
  return call("POST", path, body);
}

JsonResponse Api::call(const std::string& method, const std::string& path, const std::string& body) const {
  return call(method, path, body, {});
}

JsonResponse Api::call(const std::string& method, const std::string& path, const std::string& body,
                       const std::map<std::string, std::string>& headers) const {
  http::ClientRequest req;
  req.method = method;
  req.url = "http://127.0.0.1:" + std::to_string(port_) + path;
  if (!body.empty() || method == "POST") req.headers.set("Content-Type", "application/json");
  if (!api_key_.empty()) req.headers.set("X-Api-Key", api_key_);
  for (const auto& [k, v] : headers) req.headers.set(k, v);
  req.body = body;
  JsonResponse out;
  auto r = client_->request(req, 10s);
  if (!r) {
    out.error = r.error().message;
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.json.Parse(out.body.c_str(), out.body.size());
  if (out.json.HasParseError()) out.json.SetNull();
  return out;
}

Platform::Platform(PlatformOptions options)
    : options_(std::move(options)),
      dir_(testing::fresh_dir("e2e")),
      cluster_(std::make_unique<devbroker::MockCluster>(3)) {
  write_file(dir_ / "factory-webhook.secrets", std::string(kFactoryWebhookSecret) + "\n");
  write_file(dir_ / "iot-webhook.secrets", "e2e-iot-webhook-secret\n");
  write_file(dir_ / "factory-api.token", std::string(kFactoryToken) + "\n");
  write_file(dir_ / "iot-api.token", std::string(kIotApiToken) + "\n");
  write_file(dir_ / "token.secret", std::string(kCustomerTokenSecret) + "\n");
  write_file(dir_ / "api-keys",
             std::string(kDealerKey) + " dealer " + kDealership + "\n" + kAdminKey + " admin e2e-admin\n");
  for (auto p : {Proc::ingress, Proc::order, Proc::adapter, Proc::telemetry, Proc::ota}) {
    ports_[p] = testing::free_port();
  }
  if (options_.with_notification) {
    ports_[Proc::notification] = testing::free_port();
    mail_ = std::make_unique<testing::MailSink>();
    push_ = std::make_unique<testing::PushGateway>(CAAS_PUSH_SIM_BINARY, kPushToken, dir_.string());
  }
}

Platform::~Platform() {
  procs_.clear();  // SIGKILL whatever still runs
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::uint16_t Platform::port(Proc p) const {
  auto it = ports_.find(p);
  if (it == ports_.end()) throw std::logic_error(std::string(name(p)) + " has no port yet");
  return it->second;
}

std::map<std::string, std::string> Platform::env_for(Proc p) const {
  std::map<std::string, std::string> env{{"CAAS_KAFKA_BOOTSTRAP", bootstrap()},
                                         {"CAAS_DATA_DIR", (dir_ / "data").string()},
                                         {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
                                         {"CAAS_LOG_LEVEL", "warn"},
                                         {"CAAS_SHUTDOWN_GRACE", "5s"},
                                         // the mock broker holds empty fetches for the whole wait
                                         {"CAAS_KAFKA_FETCH_WAIT_MAX", "10ms"},
                                         {"CAAS_INSTANCE_ID", std::string(service_dir_name(p)) + "-e2e"}};
  if (!writes_port_file(p)) env["CAAS_HTTP_PORT"] = std::to_string(port(p));
  const auto secrets = [&](const char* f) { return (dir_ / f).string(); };
  switch (p) {
    case Proc::ingress:
      env["CAAS_FACTORY_WEBHOOK_SECRETS_FILE"] = secrets("factory-webhook.secrets");
      env["CAAS_IOT_WEBHOOK_SECRETS_FILE"] = secrets("iot-webhook.secrets");
      for (auto& [k, v] : options_.ingress_env) env[k] = v;
      break;
    case Proc::order:
      env["CAAS_API_KEYS_FILE"] = secrets("api-keys");
      env["CAAS_TOKEN_SECRET_FILE"] = secrets("token.secret");
      for (auto& [k, v] : options_.order_env) env[k] = v;
      break;
    case Proc::adapter:
      env["CAAS_API_KEYS_FILE"] = secrets("api-keys");
      env["CAAS_FACTORY_API_URL"] = "http://127.0.0.1:" + std::to_string(port(Proc::factory_sim));
      env["CAAS_FACTORY_API_TOKEN_FILE"] = secrets("factory-api.token");
      for (auto& [k, v] : options_.adapter_env) env[k] = v;
      break;
    case Proc::notification:
      env["CAAS_API_KEYS_FILE"] = secrets("api-keys");
      env["CAAS_TOKEN_SECRET_FILE"] = secrets("token.secret");
      env["CAAS_NOTIFICATION_TEMPLATE_DIR"] = CAAS_NOTIFICATION_TEMPLATE_DIR;
      env["CAAS_SMTP_URL"] = "smtp://127.0.0.1:" + std::to_string(mail_->port());
      env["CAAS_PUSH_GATEWAY_URL"] = push_->url();
      env["CAAS_PUSH_GATEWAY_TOKEN_FILE"] = (dir_ / "push-token").string();
      if (ports_.count(Proc::iot_sim) != 0) {  // the car's display, through the API IoT
        env["CAAS_IOT_API_URL"] = "http://127.0.0.1:" + std::to_string(port(Proc::iot_sim));
        env["CAAS_IOT_API_TOKEN_FILE"] = secrets("iot-api.token");
      }
      for (auto& [k, v] : options_.notification_env) env[k] = v;
      break;
    case Proc::telemetry:
      env["CAAS_API_KEYS_FILE"] = secrets("api-keys");
      env["CAAS_TOKEN_SECRET_FILE"] = secrets("token.secret");
      for (auto& [k, v] : options_.telemetry_env) env[k] = v;
      break;
    case Proc::ota:
      env["CAAS_API_KEYS_FILE"] = secrets("api-keys");
      env["CAAS_TOKEN_SECRET_FILE"] = secrets("token.secret");
      env["CAAS_IOT_API_URL"] = "http://127.0.0.1:" + std::to_string(port(Proc::iot_sim));
      env["CAAS_IOT_API_TOKEN_FILE"] = secrets("iot-api.token");
#ifdef CAAS_OTA_CATALOGUE_FILE
      env["CAAS_OTA_CATALOGUE_FILE"] = CAAS_OTA_CATALOGUE_FILE;
#endif
      for (auto& [k, v] : options_.ota_env) env[k] = v;
      break;
    case Proc::factory_sim:
    case Proc::iot_sim:
      break;
  }
  return env;
}

std::vector<std::string> Platform::argv_for(Proc p) const {
  switch (p) {
    case Proc::factory_sim:
      return {CAAS_FACTORY_SIM_BINARY,
              "--port",
              "0",
              "--port-file",
              (dir_ / "factory-sim.port").string(),
              "--api-token-file",
              (dir_ / "factory-api.token").string(),
              "--webhook-url",
              "http://127.0.0.1:" + std::to_string(port(Proc::ingress)) + "/api/v1/webhooks/factory/status",
              "--webhook-secret-file",
              (dir_ / "factory-webhook.secrets").string(),
              "--stage-interval",
              options_.stage_interval,
              "--retry-base",
              options_.webhook_retry_base,
              "--hold",
              "3s",
              "--seed",
              "42"};
    case Proc::ingress:
      return {CAAS_INGRESS_BINARY};
    case Proc::order:
      return {CAAS_ORDER_BINARY};
    case Proc::adapter:
      return {CAAS_FACTORY_ADAPTER_BINARY};
    case Proc::notification:
      return {CAAS_NOTIFICATION_BINARY};
    case Proc::iot_sim: {
#ifdef CAAS_IOT_SIM_BINARY
      const std::string ingress = "http://127.0.0.1:" + std::to_string(port(Proc::ingress));
      std::vector<std::string> argv{CAAS_IOT_SIM_BINARY,
                                    "--port",
                                    "0",
                                    "--port-file",
                                    (dir_ / "iot-sim.port").string(),
                                    "--api-token-file",
                                    (dir_ / "iot-api.token").string(),
                                    "--webhook-secret-file",
                                    (dir_ / "iot-webhook.secrets").string(),
                                    "--telemetry-url",
                                    ingress + "/api/v1/webhooks/iot/telemetry",
                                    "--command-status-url",
                                    ingress + "/api/v1/webhooks/iot/command-status",
                                    "--log-level",
                                    "warn"};
      argv.insert(argv.end(), options_.iot_sim_args.begin(), options_.iot_sim_args.end());
      return argv;
#else
      throw std::logic_error("tests/e2e was configured without caas-iot-sim");
#endif
    }
    case Proc::telemetry:
#ifdef CAAS_TELEMETRY_BINARY
      return {CAAS_TELEMETRY_BINARY};
#else
      throw std::logic_error("tests/e2e was configured without caas-telemetry-ingest");
#endif
    case Proc::ota:
#ifdef CAAS_OTA_BINARY
      return {CAAS_OTA_BINARY};
#else
      throw std::logic_error("tests/e2e was configured without caas-ota-engine");
#endif
  }
  return {};
}

void Platform::start(Proc p) {
  procs_.erase(p);
  const auto port_file = dir_ / (std::string(service_dir_name(p)) + ".port");
  if (writes_port_file(p)) std::filesystem::remove(port_file);
  procs_[p] = std::make_unique<testing::ChildProcess>(argv_for(p), env_for(p));
  if (writes_port_file(p)) {
    REQUIRE(procs_[p]->wait_for_line(std::string(name(p)) + " listening", 20s));
    std::ifstream in(port_file);
    int port = 0;
    in >> port;
    REQUIRE(port > 0);
    ports_[p] = static_cast<std::uint16_t>(port);
  }
}

bool Platform::wait_ready(Proc p, std::chrono::milliseconds timeout) const {
  const auto path = writes_port_file(p) ? "/healthz" : "/readyz";
  const Api api(port(p));
  return testing::eventually([&] { return api.get(path).status == 200; }, timeout);
}

void Platform::start_all() {
  start(Proc::factory_sim);
  std::vector<Proc> services{Proc::ingress, Proc::order, Proc::adapter};
  if (options_.with_notification) services.push_back(Proc::notification);
  for (auto p : services) start(p);
  REQUIRE(wait_ready(Proc::factory_sim, 60s));
  for (auto p : services) {
    INFO(name(p));
    REQUIRE(wait_ready(p, 60s));
  }
}

void Platform::start_vehicle_flow() {
  for (auto p : {Proc::ingress, Proc::telemetry}) start(p);
  for (auto p : {Proc::ingress, Proc::telemetry}) {
    INFO(name(p));
    REQUIRE(wait_ready(p, 60s));
  }
  start(Proc::iot_sim);  // streams at once: the ingress must be up
  REQUIRE(wait_ready(Proc::iot_sim, 60s));
}

void Platform::kill_hard(Proc p) {
  auto it = procs_.find(p);
  if (it == procs_.end()) return;
  it->second->kill_hard();
  procs_.erase(it);
}

void Platform::stop(Proc p) {
  auto it = procs_.find(p);
  if (it == procs_.end()) return;
  it->second->terminate();
  const auto status = it->second->wait(30s);
  INFO(name(p) << " exit status");
  CHECK(status == 0);
  procs_.erase(it);
}

void Platform::wipe_store(Proc p) {
  REQUIRE(procs_.find(p) == procs_.end());
  std::filesystem::remove_all(dir_ / "data" / service_dir_name(p));
}

std::string customer_bearer(const std::string& customer_id) {
  const auto now = std::chrono::system_clock::now();
  return "Bearer " + security::issue_token({customer_id, security::Role::customer, now + std::chrono::hours(1), now},
                                           kCustomerTokenSecret);
}

std::string sale_body(int n) {
  const char* options[] = {"POWER_BOOST_50", "ADAS_LEVEL_2"};
  return std::string(R"({"customer_id":"CAAS-CUST-)") + std::to_string(100000 + n) +
         R"(","vehicle_specification":{"platform_base":"SUV_ELECTRIC_2024","initial_options":[")" + options[n % 2] +
         R"("],"color":"MIDNIGHT_BLUE","interior":"PREMIUM_LEATHER"},"dealership_id":")" + kDealership +
         R"(","delivery_address":{"street":"Calle Principal 123","city":"Madrid","postal_code":"28001","country":"ES"},)"
         R"("plan_comercial":{"maintenance_included":true,"warranty_years":5,"opciones_permanentes":["POWER_BOOST_50"]}})";
}

}  // namespace caas::e2e
