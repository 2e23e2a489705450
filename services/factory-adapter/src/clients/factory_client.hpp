#pragma once
// HTTP client of the Factory Order API (seed 000): POST /api/v1/orders with
// the Bearer token and the Idempotency-Key, GET /api/v1/orders/{id}/status.
// Every call is bounded by `timeout`. Blocking; called from the placement
// worker's and the reconciler's own threads, never from an HTTP handler.

#include "clients/factory_api.hpp"

#include <caas/http/client.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace caas::factory {

struct FactoryClientOptions {
  std::string base_url;  // CAAS_FACTORY_API_URL, e.g. http://127.0.0.1:9000
  std::string token;     // first line of CAAS_FACTORY_API_TOKEN_FILE (never logged)
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connect_timeout{2000};
};

class FactoryClient {
 public:
  explicit FactoryClient(FactoryClientOptions options);

  /// POST /api/v1/orders. `request_body` is the seed-000 JSON body.
  PlaceResult place_order(const std::string& request_body, const std::string& idempotency_key,
                          const std::string& correlation_id);
  /// GET /api/v1/orders/{id}/status.
  StatusQueryResult order_status(const std::string& factory_order_id, const std::string& correlation_id);

 private:
  http::Headers headers(const std::string& correlation_id) const;

  FactoryClientOptions options_;
  http::HttpClient http_;
};

}  // namespace caas::factory
