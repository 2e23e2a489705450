#include "domain/params.hpp"

#include <cmath>

namespace caas::ota {

std::optional<ParamValue> param_from_json(const rapidjson::Value& v) {
  if (v.IsString()) return ParamValue::of(std::string(v.GetString(), v.GetStringLength()));
  if (v.IsBool()) return ParamValue::of_bool(v.GetBool());
  if (v.IsInt64()) return ParamValue::of_int(v.GetInt64());
  if (v.IsNumber()) return ParamValue::of_decimal(v.GetDouble());
  return std::nullopt;
}

std::optional<Params> params_from_json(const rapidjson::Value& v) {
  if (!v.IsObject()) return std::nullopt;
  Params out;
  for (const auto& m : v.GetObject()) {
    auto value = param_from_json(m.value);
    if (!value) return std::nullopt;
    out[std::string(m.name.GetString(), m.name.GetStringLength())] = std::move(*value);
  }
  return out;
}

void write_value(events::json::Writer& w, const ParamValue& v) {
  switch (v.kind) {
    case ParamValue::Kind::string:
      w.value(v.text);
      return;
    case ParamValue::Kind::boolean:
      w.value(v.flag);
      return;
    case ParamValue::Kind::integer:
      w.value(static_cast<std::int64_t>(v.number));
      return;
    case ParamValue::Kind::decimal: {
      // Written with a fraction so it reads back as a decimal, as the vehicle sends it.
      auto text = std::to_string(v.number);
      w.raw(text);
      return;
    }
  }
}

void write_params(events::json::Writer& w, const Params& p) {
  w.begin_object();
  for (const auto& [name, value] : p) {
    w.key(name);
    write_value(w, value);
  }
  w.end_object();
}

std::string params_json(const Params& p) {
  events::json::Writer w;
  write_params(w, p);
  return w.str();
}

bool same_value(const ParamValue& desired, const ParamValue& reported) {
  const bool dn = desired.kind == ParamValue::Kind::integer || desired.kind == ParamValue::Kind::decimal;
  const bool rn = reported.kind == ParamValue::Kind::integer || reported.kind == ParamValue::Kind::decimal;
  if (dn && rn) return std::fabs(desired.number - reported.number) < 1e-9;
  return desired == reported;
}

bool matches(const Params& desired, const Params& reported) {
  if (desired.empty()) return false;
  for (const auto& [name, value] : desired) {
    auto it = reported.find(name);
    if (it == reported.end() || !same_value(value, it->second)) return false;
  }
  return true;
}

}  // namespace caas::ota
