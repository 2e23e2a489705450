#pragma once
// The ota-engine's HTTP API (port 8083), DESIGN.md §6 and services/ota-engine/README.md:
//
//   POST /api/v1/vehicles/{vin}/services/{code}/activation    {payment_authorization}, Idempotency-Key   202
//   POST /api/v1/vehicles/{vin}/services/{code}/deactivation  Idempotency-Key                            202
//   GET  /api/v1/activations/{id}
//   GET  /api/v1/vehicles/{vin}/services
//   GET  /api/v1/vehicles/{vin}/commands
//   GET  /api/v1/catalogue?platform=
//   POST /api/v1/vehicles/{vin}/owner                          {customer_id}  (operator, admin)           200
//
// A purchase is validated and authorised here and written, as
// ota.request-service, to caas.ota.commands.v1 through the outbox (one atomic
// store write with the idempotency record); the partition's processor applies it.

#include "api/rate_limiter.hpp"
#include "clients/iot_client/iot_client.hpp"
#include "domain/catalogue.hpp"
#include "store/ota_store.hpp"

#include <caas/http/server.hpp>
#include <caas/observability/logger.hpp>
#include <caas/service/caller_auth.hpp>
#include <caas/service/event_emitter.hpp>

#include <functional>
#include <mutex>

namespace caas::ota {

struct ApiSettings {
  std::int64_t rate_per_vehicle = 20;   // CAAS_OTA_RATE_LIMIT_PER_VEHICLE (per minute)
  std::int64_t rate_per_customer = 60;  // CAAS_OTA_RATE_LIMIT_PER_CUSTOMER (per minute)
};

class OtaApi {
 public:
  OtaApi(ApiSettings settings, OtaStore& store, const Catalogue& catalogue, service::Authenticator auth,
         const service::EventEmitter& emitter, IotClient& iot, observability::Logger log);
  void add_routes(http::Router& router);

 private:
  http::Response request(const http::Request& req, Operation op);
  http::Response get_activation(const http::Request& req);
  http::Response vehicle_services(const http::Request& req);
  http::Response vehicle_commands(const http::Request& req);
  http::Response catalogue(const http::Request& req);
  http::Response transfer_owner(const http::Request& req);
  std::string platform_of(const std::string& vin, const Owner& owner);

  ApiSettings settings_;
  OtaStore& store_;
  const Catalogue& catalogue_;
  service::Authenticator auth_;
  const service::EventEmitter& emitter_;
  IotClient& iot_;
  observability::Logger log_;
  RateLimiter per_vehicle_;
  RateLimiter per_customer_;
  std::mutex write_mutex_;  // idempotency check + write
};

}  // namespace caas::ota
