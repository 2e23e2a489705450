#pragma once
// A service's real wiring in process, the way run_service() builds it
// (libs/service), but configured from a map instead of the process
// environment, so component tests can run several differently configured
// instances side by side. Header-only: it needs caas::service, which only
// the component tests that include it link.

#include <caas/observability/env_config.hpp>
#include <caas/observability/logger.hpp>
#include <caas/service/runtime.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace caas::testing {

using EnvMap = std::map<std::string, std::string>;

/// An EnvLookup over `env` (the injected counterpart of process_environment()).
inline observability::EnvLookup map_environment(EnvMap env) {
  return [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

/// `service` (already constructed: constructors differ per service) loaded
/// from `env`, wired into a ServiceRuntime and started; HTTP on the port
/// CAAS_HTTP_PORT names (0 = ephemeral). Throws ConfigError listing every
/// bad variable, or whatever the runtime throws when it cannot start.
/// stop() (and the destructor) shut down like run_service(): HTTP first,
/// then the service's own work, then consumers, outbox and producer.
template <class S>
class RunningService {
 public:
  RunningService(const std::string& name, const std::string& instance_id, const EnvMap& env, std::unique_ptr<S> service)
      : service_(std::move(service)) {
    observability::EnvConfig config_env(map_environment(env));
    auto config = service::load_runtime_config(config_env, 0);
    service_->load_config(config_env);
    config_env.throw_if_errors();
    observability::Logger log({name, instance_id, config.common.log_level, {}});
    runtime_ = std::make_unique<service::ServiceRuntime>(service::ServiceInfo{name, 0, "test"}, config, log);
    service_->wire(*runtime_);
    runtime_->start();
  }
  ~RunningService() { stop(); }
  RunningService(const RunningService&) = delete;
  RunningService& operator=(const RunningService&) = delete;

  /// Idempotent; afterwards only port() may be called (it keeps the last port).
  void stop() {
    if (!runtime_) return;
    port_ = runtime_->http_port();
    runtime_->shutdown([this] { service_->stop(); });
    runtime_.reset();
    service_.reset();
  }

  std::uint16_t port() const { return runtime_ ? runtime_->http_port() : port_; }
  S& service() { return *service_; }
  service::ServiceRuntime& runtime() { return *runtime_; }

 private:
  std::unique_ptr<S> service_;
  std::unique_ptr<service::ServiceRuntime> runtime_;
  std::uint16_t port_ = 0;
};

}  // namespace caas::testing
