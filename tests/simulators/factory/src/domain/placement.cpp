#include "domain/placement.hpp"

#include <caas/events/json.hpp>
#include <caas/security/crypto.hpp>

#include <algorithm>
#include <optional>

namespace caas::factory_sim {

namespace {

constexpr std::size_t kMaxText = 256;
constexpr std::size_t kMaxOptions = 64;

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string join(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

/// Reads a required non-empty string of at most `max` bytes into `out`.
std::optional<ApiError> read_text(const rapidjson::Value& obj, std::string_view prefix, const char* name,
                                  std::string& out, std::size_t max = kMaxText) {
  const auto field = join(prefix, name);
  const auto* v = member(obj, name);
  if (v == nullptr || v->IsNull()) return invalid_request(field, "Missing required field: " + field);
  if (!v->IsString() || v->GetStringLength() == 0 || v->GetStringLength() > max) {
    return invalid_request(field, field + " must be a non-empty string of at most " + std::to_string(max) + " bytes");
  }
  out.assign(v->GetString(), v->GetStringLength());
  return std::nullopt;
}

std::optional<ApiError> require_object(const rapidjson::Value* v, const std::string& field) {
  if (v == nullptr || v->IsNull()) return invalid_request(field, "Missing required field: " + field);
  if (!v->IsObject()) return invalid_request(field, field + " must be an object");
  return std::nullopt;
}

std::optional<ApiError> validate_options(const rapidjson::Value& spec, const Catalogue& catalogue,
                                         std::vector<std::string>& out) {
  const std::string field = "vehicle_specification.initial_options";
  const auto* options = member(spec, "initial_options");
  if (options == nullptr || options->IsNull()) return invalid_request(field, "Missing required field: " + field);
  if (!options->IsArray()) return invalid_request(field, field + " must be an array of option codes");
  if (options->Size() > kMaxOptions) {
    return invalid_request(field, field + " has more than " + std::to_string(kMaxOptions) + " entries");
  }
  for (rapidjson::SizeType i = 0; i < options->Size(); ++i) {
    const auto& o = (*options)[i];
    const std::string at = field + "[" + std::to_string(i) + "]";
    if (!o.IsString() || o.GetStringLength() == 0 || o.GetStringLength() > kMaxText) {
      return invalid_request(at, at + " must be a non-empty string");
    }
    std::string code(o.GetString(), o.GetStringLength());
    if (!catalogue.has_option(code)) return invalid_specification(at, "Unknown option code: " + code);
    if (std::find(out.begin(), out.end(), code) != out.end()) {
      return invalid_specification(at, "Duplicate option code: " + code);
    }
    out.push_back(std::move(code));
  }
  return std::nullopt;
}

std::optional<ApiError> validate_specification(const rapidjson::Value& body, const Catalogue& catalogue,
                                               VehicleSpecification& out) {
  const std::string prefix = "vehicle_specification";
  const auto* spec = member(body, "vehicle_specification");
  if (auto e = require_object(spec, prefix)) return e;
  if (auto e = read_text(*spec, prefix, "platform_base", out.platform_base)) return e;
  if (!catalogue.has_platform(out.platform_base)) {
    return invalid_specification(prefix + ".platform_base", "Unknown platform base: " + out.platform_base);
  }
  if (auto e = validate_options(*spec, catalogue, out.initial_options)) return e;
  if (auto e = read_text(*spec, prefix, "color", out.color)) return e;
  if (!catalogue.has_color(out.color)) return invalid_specification(prefix + ".color", "Unknown color: " + out.color);
  if (auto e = read_text(*spec, prefix, "interior", out.interior)) return e;
  if (!catalogue.has_interior(out.interior)) {
    return invalid_specification(prefix + ".interior", "Unknown interior: " + out.interior);
  }
  return std::nullopt;
}

std::optional<ApiError> validate_address(const rapidjson::Value& body, DeliveryAddress& out) {
  const std::string prefix = "delivery_address";
  const auto* address = member(body, "delivery_address");
  if (auto e = require_object(address, prefix)) return e;
  if (auto e = read_text(*address, prefix, "street", out.street)) return e;
  if (auto e = read_text(*address, prefix, "city", out.city, 128)) return e;
  if (auto e = read_text(*address, prefix, "postal_code", out.postal_code, 16)) return e;
  if (auto e = read_text(*address, prefix, "country", out.country, 2)) return e;
  const bool alpha2 = out.country.size() == 2 &&
                      std::all_of(out.country.begin(), out.country.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!alpha2)
    return invalid_request(prefix + ".country", "delivery_address.country must be an ISO 3166-1 alpha-2 code");
  return std::nullopt;
}

/// The Factory stores the commercial plan; it checks the types it relies on
/// and that permanent options are ones it can build.
std::optional<ApiError> validate_plan(const rapidjson::Value& body, const Catalogue& catalogue, std::string& out) {
  const std::string prefix = "plan_comercial";
  const auto* plan = member(body, "plan_comercial");
  if (auto e = require_object(plan, prefix)) return e;
  if (const auto* m = member(*plan, "maintenance_included"); m != nullptr && !m->IsBool()) {
    return invalid_request(prefix + ".maintenance_included", "plan_comercial.maintenance_included must be a boolean");
  }
  if (const auto* w = member(*plan, "warranty_years");
      w != nullptr && (!w->IsInt() || w->GetInt() < 0 || w->GetInt() > 30)) {
    return invalid_request(prefix + ".warranty_years", "plan_comercial.warranty_years must be an integer in 0..30");
  }
  if (const auto* p = member(*plan, "opciones_permanentes"); p != nullptr) {
    const std::string field = prefix + ".opciones_permanentes";
    if (!p->IsArray() || p->Size() > kMaxOptions)
      return invalid_request(field, field + " must be an array of option codes");
    for (rapidjson::SizeType i = 0; i < p->Size(); ++i) {
      const std::string at = field + "[" + std::to_string(i) + "]";
      if (!(*p)[i].IsString()) return invalid_request(at, at + " must be a string");
      std::string code((*p)[i].GetString(), (*p)[i].GetStringLength());
      if (!catalogue.has_option(code)) return invalid_specification(at, "Unknown option code: " + code);
    }
  }
  out = events::to_json(*plan);
  return std::nullopt;
}

}  // namespace

std::variant<PlacementRequest, ApiError> validate_placement(const rapidjson::Value& body, const Catalogue& catalogue) {
  if (!body.IsObject()) return invalid_request("", "The request body must be a JSON object");
  PlacementRequest r;
  if (auto e = read_text(body, "", "customer_id", r.customer_id, 128)) return std::move(*e);
  if (auto e = validate_specification(body, catalogue, r.vehicle_specification)) return std::move(*e);
  if (auto e = read_text(body, "", "dealership_id", r.dealership_id, 128)) return std::move(*e);
  if (auto e = validate_address(body, r.delivery_address)) return std::move(*e);
  if (auto e = validate_plan(body, catalogue, r.plan_comercial_json)) return std::move(*e);
  return r;
}

std::string request_fingerprint(const rapidjson::Value& body) {
  return security::hex_encode(security::to_bytes(security::sha256(events::to_json(body))));
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace caas::factory_sim
