#pragma once
// Firmware parameter values as the API IoT carries them (a string, a boolean,
// an integer or a decimal) and the one comparison that decides "the reported
// configuration equals the desired one".

#include <caas/events/json_util.hpp>

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>

namespace caas::ota {

struct ParamValue {
  enum class Kind { string, boolean, integer, decimal };
  Kind kind = Kind::string;
  std::string text;     // string value
  bool flag = false;    // boolean
  double number = 0.0;  // integer or decimal

  static ParamValue of(std::string s) { return {Kind::string, std::move(s), false, 0.0}; }
  static ParamValue of_bool(bool b) { return {Kind::boolean, {}, b, 0.0}; }
  static ParamValue of_int(std::int64_t i) { return {Kind::integer, {}, false, static_cast<double>(i)}; }
  static ParamValue of_decimal(double d) { return {Kind::decimal, {}, false, d}; }
  bool operator==(const ParamValue&) const = default;
};

using Params = std::map<std::string, ParamValue>;

/// A JSON scalar as a value; nullopt for null, objects, arrays.
std::optional<ParamValue> param_from_json(const rapidjson::Value& v);
/// Every member of a JSON object; nullopt if `v` is not an object or holds a non-scalar.
std::optional<Params> params_from_json(const rapidjson::Value& v);
void write_value(events::json::Writer& w, const ParamValue& v);
void write_params(events::json::Writer& w, const Params& p);
std::string params_json(const Params& p);

/// Same value: numbers compare numerically (the vehicle may report 4 or 4.0),
/// everything else by kind and content.
bool same_value(const ParamValue& desired, const ParamValue& reported);
/// Every desired parameter is reported with the same value.
bool matches(const Params& desired, const Params& reported);

}  // namespace caas::ota
