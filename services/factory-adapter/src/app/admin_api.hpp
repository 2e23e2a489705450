#pragma once
// Admin HTTP API on the service port (API keys from CAAS_API_KEYS_FILE,
// roles admin and operator):
//   POST /api/v1/reconciliation/run          run now, answer the report
//   GET  /api/v1/reconciliation/reports      recent reports (?limit=, newest first)
//   GET  /api/v1/factory-orders/{order_id}   mapping, status history, placement state
//   GET  /api/v1/placements?state=pending|failed
// Keys are accepted as `X-API-Key: <key>` or `Authorization: Bearer <key>`.

#include "app/reconciler.hpp"
#include "store/adapter_store.hpp"

#include <caas/http/server.hpp>
#include <caas/observability/logger.hpp>
#include <caas/security/identity.hpp>
#include <caas/service/caller_auth.hpp>

#include <optional>

namespace caas::factory {

class AdminApi {
 public:
  AdminApi(AdapterStore& store, Reconciler& reconciler, std::optional<security::ApiKeyStore> keys,
           observability::Logger log)
      : store_(store), reconciler_(reconciler), log_(std::move(log)) {
    // The admin API is for employees and systems: API keys only, no customer
    // tokens (the Authenticator refuses a bearer token without a token secret).
    if (keys) auth_.emplace(std::move(*keys), std::nullopt, events::system_now);
  }

  void add_routes(http::Router& router);

 private:
  std::optional<http::Response> deny(const http::Request& req) const;

  AdapterStore& store_;
  Reconciler& reconciler_;
  std::optional<service::Authenticator> auth_;  // none: no keys configured, every request refused
  observability::Logger log_;
};

/// JSON views (exposed for tests).
std::string report_view(const ReconciliationReport& r);
std::string factory_order_view(std::string_view order_id, const std::optional<PendingPlacement>& pending,
                               const std::optional<PlacementRecord>& done, const std::optional<FactoryOrder>& fo);

}  // namespace caas::factory
