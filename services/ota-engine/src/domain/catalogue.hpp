#pragma once
// The catalogue (seed 004 "Configuration Repository"): CaaS service code ->
// firmware module, parameters and activation/deactivation values per
// platform, retry policy per service type, price reference. Parsed and
// validated once at start; every problem names the line (syntax) or the
// field path ("services[2].platforms.VAN_ELECTRIC_2024.activation").

#include "domain/params.hpp"

#include <caas/core/result.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace caas::ota {

struct RetryPolicy {
  int max_attempts = 3;
  std::int64_t interval_ms = 30000;
  bool exponential = false;
  std::int64_t attempt_timeout_ms = 20000;
  std::int64_t network_retry_ms = 5000;
  std::int64_t status_timeout_ms = 10000;
  std::int64_t offline_deadline_ms = 86'400'000;

  /// Wait before the attempt after `failed` counted failures (1 = after the first).
  std::int64_t retry_delay_ms(int failed) const;
  /// Every duration multiplied by `scale` (CAAS_OTA_RETRY_SCALE), at least 1 ms.
  RetryPolicy scaled(double scale) const;
};

struct PlatformValues {
  Params activation;
  Params deactivation;
};

struct Price {
  std::string reference;
  std::string amount;  // "19.99"
  std::string currency;
  std::string period;  // one-time | monthly | yearly
};

struct ServiceDefinition {
  std::string code;
  std::string name;
  std::string firmware_module;
  std::string service_type;
  Price price;
  RetryPolicy policy;
  std::map<std::string, PlatformValues> platforms;
};

class Catalogue {
 public:
  /// Parses and validates; the error message names the line or the field.
  static Result<Catalogue> parse(std::string_view text, std::string_view origin = "catalogue");

  const ServiceDefinition* find(std::string_view code) const;
  const PlatformValues* values(std::string_view code, std::string_view platform) const;
  const std::vector<ServiceDefinition>& services() const { return services_; }
  bool knows_platform(std::string_view platform) const;
  /// The same catalogue with every policy scaled (CAAS_OTA_RETRY_SCALE).
  Catalogue scaled(double scale) const;

 private:
  std::vector<ServiceDefinition> services_;
};

}  // namespace caas::ota
