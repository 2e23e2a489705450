#pragma once
// The Factory Order API of seed 000 as values: what one call can end in, and
// the pure functions that turn an HTTP status + body into those values (unit
// tested without sockets). The HTTP side is factory_client.hpp.

#include "domain/reconcile.hpp"

#include <caas/resilience/retry.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace caas::factory {

/// 201 Created: the order exists at the Factory.
struct Created {
  std::string factory_order_id;
  std::string status;  // ORDERED or QUEUED
  std::string estimated_delivery_date;
  std::string manufacturing_location;
  std::string created_at;
};
/// 400 (and other non-retriable 4xx): the Factory refused the content.
struct Rejected {
  int http_status = 400;
  std::string error_code;
  std::string message;
  std::string field;
};
/// 401/403: our credentials are wrong; never retried, critical.
struct AuthFailed {
  int http_status = 401;
  std::string message;
};
/// Worth retrying (or not, per the table): timeout, network, 5xx, 429,
/// or `unknown` for an answer we cannot make sense of.
struct Transient {
  resilience::ErrorClass kind = resilience::ErrorClass::unknown;
  int http_status = 0;  // 0 = no HTTP answer
  std::string message;
  std::optional<std::chrono::milliseconds> retry_after;
};

using PlaceResult = std::variant<Created, Rejected, AuthFailed, Transient>;

/// Interprets the answer to POST /api/v1/orders.
PlaceResult interpret_place_response(int http_status, std::string_view body,
                                     std::optional<std::string_view> retry_after_header = std::nullopt);

/// A failed GET /api/v1/orders/{id}/status.
struct StatusQueryError {
  resilience::ErrorClass kind = resilience::ErrorClass::unknown;
  int http_status = 0;
  std::string message;
};
using StatusQueryResult = std::variant<FactorySnapshot, StatusQueryError>;

/// Interprets the answer to GET /api/v1/orders/{id}/status.
StatusQueryResult interpret_status_response(int http_status, std::string_view body);

/// The seed-000 request body from a factory.place-order event's data:
/// customer_id, vehicle_specification, dealership_id, delivery_address,
/// plan_comercial copied verbatim. Empty string if `data` is not an object.
std::string placement_request_body(std::string_view place_order_data);

/// Does this outcome say anything about the Factory's health (circuit
/// breaker)? Timeouts, network errors, 5xx and 429 do; answers that prove
/// the Factory is up (201, 400, 401) count as successes.
bool is_health_failure(resilience::ErrorClass kind) noexcept;

}  // namespace caas::factory
