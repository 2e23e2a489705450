#pragma once
// Firmware parameter values. DESIGN.md §2 shows them as JSON scalars
// ("power_mode": "HIGH", "snow_mode_available": 1, "autonomous_highway_enabled":
// true); the ingress schemas allow string, number, integer, boolean. A
// vehicle's firmware knows the kind of each of its parameters, so a value of
// another kind is refused like the real firmware would.

#include "domain/json_out.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace caas::iot_sim {

using Value = std::variant<bool, std::int64_t, double, std::string>;
using Parameters = std::map<std::string, Value, std::less<>>;

inline constexpr std::size_t kMaxValueBytes = 256;

/// A JSON string (≤ 256 bytes), boolean or number; anything else nullopt.
std::optional<Value> scalar_from_json(const rapidjson::Value& v);

/// `proposed` as a value of the kind `current` holds: a boolean for a
/// boolean, an integer for an integer (1.0 is not an integer), any number for
/// a decimal, a string for a string. nullopt when the firmware must refuse it.
std::optional<Value> coerce_to_kind(const Value& current, const Value& proposed);

void write_value(JsonWriter& w, const Value& v);
/// {"name": value, ...} in name order.
void write_parameters(JsonWriter& w, const Parameters& p);

}  // namespace caas::iot_sim
