#include "domain/value.hpp"

namespace caas::iot_sim {

std::optional<Value> scalar_from_json(const rapidjson::Value& v) {
  if (v.IsBool()) return Value(v.GetBool());
  if (v.IsInt64()) return Value(v.GetInt64());
  if (v.IsNumber() && !v.IsUint64()) return Value(v.GetDouble());
  if (v.IsString() && v.GetStringLength() <= kMaxValueBytes)
    return Value(std::string(v.GetString(), v.GetStringLength()));
  return std::nullopt;  // null, objects, arrays, integers above INT64_MAX, long strings
}

std::optional<Value> coerce_to_kind(const Value& current, const Value& proposed) {
  if (current.index() == proposed.index()) return proposed;
  if (std::holds_alternative<double>(current) && std::holds_alternative<std::int64_t>(proposed)) {
    return Value(static_cast<double>(std::get<std::int64_t>(proposed)));
  }
  return std::nullopt;
}

void write_value(JsonWriter& w, const Value& v) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          w.Bool(x);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.Int64(x);
        } else if constexpr (std::is_same_v<T, double>) {
          w.Double(x);
        } else {
          write_string(w, x);
        }
      },
      v);
}

void write_parameters(JsonWriter& w, const Parameters& p) {
  w.StartObject();
  for (const auto& [name, value] : p) {
    write_string(w, name);
    write_value(w, value);
  }
  w.EndObject();
}

}  // namespace caas::iot_sim
