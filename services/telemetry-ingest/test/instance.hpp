#pragma once
// One telemetry-ingest instance (ServiceRuntime + TelemetryService) in
// process on a shared MockCluster: its environment, start/stop/wipe, reads
// over HTTP. Shared by the component tests; test code.

#include "app/telemetry_service.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/events/json_util.hpp>

#include "eventually.hpp"
#include "harness.hpp"
#include "service_harness.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace caas::telemetry::test {

struct Instance {
  Instance(devbroker::MockCluster& cluster, std::filesystem::path dir, std::string id, testing::EnvMap overrides = {})
      : dir_(std::move(dir)), id_(std::move(id)) {
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "api-keys") << kOperatorKey << " operator ops\n" << kDealerKey << " dealer D1\n";
    std::ofstream(dir_ / "token-secret") << kTokenSecret << "\n";
    env = {{"CAAS_KAFKA_BOOTSTRAP", cluster.bootstrap()},
           {"CAAS_DATA_DIR", (dir_ / "data").string()},
           {"CAAS_HTTP_PORT", "0"},
           {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
           {"CAAS_LOG_LEVEL", "error"},
           {"CAAS_INSTANCE_ID", id_},
           {"CAAS_SHUTDOWN_GRACE", "5s"},
           {"CAAS_KAFKA_FETCH_WAIT_MAX", "10ms"},
           {"CAAS_API_KEYS_FILE", (dir_ / "api-keys").string()},
           {"CAAS_TOKEN_SECRET_FILE", (dir_ / "token-secret").string()},
           {"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "10m"},
           {"CAAS_TELEMETRY_OFFLINE_GRACE", "0ms"},
           {"CAAS_TELEMETRY_OFFLINE_CHECK_INTERVAL", "50ms"},
           {"CAAS_TELEMETRY_OWNERSHIP_CHECK_INTERVAL", "200ms"}};
    for (auto& [k, v] : overrides) env[k] = v;
    start();
  }

  void start() {
    service = std::make_unique<testing::RunningService<TelemetryService>>("telemetry-ingest", id_, env,
                                                                          std::make_unique<TelemetryService>());
  }
  bool wait_ready() {
    return testing::eventually([&] { return call(port(), "/readyz", "").status == 200; }, 60s);
  }
  void stop() { service.reset(); }
  void wipe() { std::filesystem::remove_all(dir_ / "data"); }
  std::uint16_t port() const { return service->port(); }

  /// The vehicle's state from this replica, if it serves it.
  std::optional<rapidjson::Document> state(const std::string& v) const {
    auto r = call(port(), "/api/v1/vehicles/" + v + "/state");
    if (r.status != 200) return std::nullopt;
    return r.json();
  }
  std::int64_t seq_of(const std::string& v) const {
    auto s = state(v);
    return s ? events::json::int64(*s, "seq").value_or(-1) : -1;
  }

  std::filesystem::path dir_;
  std::string id_;
  testing::EnvMap env;
  std::unique_ptr<testing::RunningService<TelemetryService>> service;
};

}  // namespace caas::telemetry::test
