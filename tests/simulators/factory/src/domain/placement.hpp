#pragma once
// POST /api/v1/orders request body (seed 000 "Order Placement Endpoint"):
// validation against the catalogue, with the first failing field named, and
// the fingerprint that tells a retried request (same Idempotency-Key, same
// body) from a reused key.

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/api_error.hpp"
#include "domain/catalogue.hpp"

namespace caas::factory_sim {

struct VehicleSpecification {
  std::string platform_base;
  std::vector<std::string> initial_options;
  std::string color;
  std::string interior;
};

struct DeliveryAddress {
  std::string street;
  std::string city;
  std::string postal_code;
  std::string country;  // ISO 3166-1 alpha-2
};

struct PlacementRequest {
  std::string customer_id;
  VehicleSpecification vehicle_specification;
  std::string dealership_id;
  DeliveryAddress delivery_address;
  std::string plan_comercial_json;  // kept verbatim (compact): the Factory only stores it
};

/// Unknown platform base / option code / colour / interior, or a repeated
/// option → INVALID_SPECIFICATION; anything else missing or mistyped →
/// INVALID_REQUEST. `field` is a path such as
/// "vehicle_specification.initial_options[1]". Unknown extra members are
/// tolerated (a newer client may send more).
std::variant<PlacementRequest, ApiError> validate_placement(const rapidjson::Value& body, const Catalogue& catalogue);

/// Hex SHA-256 of the compact re-serialisation of the parsed body, so
/// whitespace differences between retries do not count as a different body.
std::string request_fingerprint(const rapidjson::Value& body);

/// Idempotency-Key header syntax: 1..255 visible ASCII characters.
bool valid_idempotency_key(std::string_view key);

}  // namespace caas::factory_sim
