#include "domain/validation.hpp"

#include <caas/events/time.hpp>

#include <array>
#include <cmath>

namespace caas::ingress {

namespace {

using namespace std::chrono_literals;

std::string join(std::string_view prefix, std::string_view field) {
  if (prefix.empty()) return std::string(field);
  std::string out(prefix);
  out += '.';
  out += field;
  return out;
}

FieldError fail(std::string_view prefix, std::string_view field, std::string message) {
  return FieldError{join(prefix, field), std::move(message)};
}

std::string_view str(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

bool is_null_or_absent(const rapidjson::Value* v) {
  return v == nullptr || v->IsNull();
}

// Partner timestamps: strictly RFC 3339, and plausible. Anything before 2000
// or more than a day ahead is a broken clock or a hostile value, not data.
std::optional<std::string> check_time(const rapidjson::Value* v, TimePoint now) {
  if (v == nullptr) return "is required";
  if (!v->IsString()) return "must be an RFC 3339 date-time string";
  if (v->GetStringLength() > 40) return "is too long for a date-time";
  auto t = events::parse_rfc3339(str(*v));
  if (!t) return "must be an ISO 8601 / RFC 3339 date-time with offset, e.g. 2024-02-01T10:00:00Z";
  constexpr auto kEarliest = std::chrono::sys_days{std::chrono::year{2000} / 1 / 1};
  if (*t < kEarliest) return "is before 2000-01-01";
  if (*t > now + 24h) return "is more than one day in the future";
  return std::nullopt;
}

std::optional<std::string> check_optional_text(const rapidjson::Value* v, std::size_t max) {
  if (is_null_or_absent(v)) return std::nullopt;
  if (!v->IsString()) return "must be a string or null";
  if (v->GetStringLength() > max) return "is longer than " + std::to_string(max) + " bytes";
  return std::nullopt;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed) {
    if (s == a) return true;
  }
  return false;
}

// A required string member whose value must be one of `allowed`; the error
// message lists them, so list and message cannot drift apart.
std::optional<FieldError> check_required_enum(const rapidjson::Value& obj, std::string_view prefix, const char* field,
                                              std::initializer_list<std::string_view> allowed) {
  const auto* v = member(obj, field);
  if (v == nullptr) return fail(prefix, field, "is required");
  if (v->IsString() && one_of(str(*v), allowed)) return std::nullopt;
  std::string message = "must be one of ";
  bool first = true;
  for (auto a : allowed) {
    if (!first) message += ", ";
    first = false;
    message += a;
  }
  return fail(prefix, field, std::move(message));
}

// Flat maps of scalars (active configuration, reported parameters).
std::optional<FieldError> check_scalar_map(const rapidjson::Value& v, std::string_view prefix, std::string_view field,
                                           std::size_t max_entries) {
  if (!v.IsObject()) return fail(prefix, field, "must be an object");
  if (v.MemberCount() > max_entries) {
    return fail(prefix, field, "has more than " + std::to_string(max_entries) + " entries");
  }
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string name = std::string(field) + "." + std::string(str(m->name));
    if (m->name.GetStringLength() == 0 || m->name.GetStringLength() > 64) {
      return fail(prefix, name, "parameter names must be 1..64 bytes");
    }
    if (m->value.IsObject() || m->value.IsArray()) return fail(prefix, name, "must be a scalar");
    if (m->value.IsString() && m->value.GetStringLength() > 256) return fail(prefix, name, "is longer than 256 bytes");
  }
  return std::nullopt;
}

std::optional<FieldError> check_vin(const rapidjson::Value& obj, std::string_view prefix) {
  const auto* vin = member(obj, "vin");
  if (vin == nullptr) return fail(prefix, "vin", "is required");
  if (!vin->IsString() || !valid_vin(str(*vin))) {
    return fail(prefix, "vin", "must be 17 characters of [A-HJ-NPR-Z0-9]");
  }
  return std::nullopt;
}

}  // namespace

bool valid_identifier(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool valid_vin(std::string_view s) {
  if (s.size() != 17) return false;
  for (char c : s) {
    const bool digit = c >= '0' && c <= '9';
    const bool upper = c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' && c != 'Q';
    if (!digit && !upper) return false;
  }
  return true;
}

std::optional<FieldError> validate_factory_status(const rapidjson::Value& body, TimePoint now) {
  if (!body.IsObject()) return FieldError{"", "the body must be a JSON object"};
  const auto* order_id = member(body, "order_id");
  if (order_id == nullptr) return fail({}, "order_id", "is required");
  if (!order_id->IsString() || !valid_identifier(str(*order_id))) {
    return fail({}, "order_id", "must be 1..128 characters of [A-Za-z0-9._:-]");
  }
  if (auto e = check_required_enum(body, {}, "status",
                                   {"ORDERED", "IN_PRODUCTION", "ASSEMBLY_COMPLETE", "QUALITY_CHECK",
                                    "READY_FOR_SHIPMENT", "SHIPPED", "ARRIVED_AT_DEALERSHIP"})) {
    return e;
  }
  if (auto why = check_time(member(body, "timestamp"), now)) return fail({}, "timestamp", *why);
  if (const auto* ecd = member(body, "estimated_completion_date"); !is_null_or_absent(ecd)) {
    if (!ecd->IsString() || ecd->GetStringLength() != 10) {
      return fail({}, "estimated_completion_date", "must be a date YYYY-MM-DD or null");
    }
    auto d = events::parse_date(str(*ecd));
    if (!d) return fail({}, "estimated_completion_date", "must be a valid calendar date YYYY-MM-DD");
    if (d->year() < std::chrono::year{2000} || d->year() > std::chrono::year{2100}) {
      return fail({}, "estimated_completion_date", "is outside 2000..2100");
    }
  }
  if (auto why = check_optional_text(member(body, "notes"), 4096)) return fail({}, "notes", *why);
  if (auto why = check_optional_text(member(body, "location"), 512)) return fail({}, "location", *why);
  return std::nullopt;
}

std::optional<FieldError> validate_iot_reading(const rapidjson::Value& r, TimePoint now, std::string_view prefix) {
  if (!r.IsObject()) return FieldError{std::string(prefix), "a reading must be a JSON object"};
  if (auto e = check_vin(r, prefix)) return e;
  const auto* seq = member(r, "seq");
  if (seq == nullptr) return fail(prefix, "seq", "is required");
  if (!(seq->IsUint64() || (seq->IsInt64() && seq->GetInt64() >= 0)) || seq->IsDouble()) {
    return fail(prefix, "seq", "must be a non-negative integer");
  }
  if (auto why = check_time(member(r, "time"), now)) return fail(prefix, "time", *why);
  if (auto e = check_required_enum(r, prefix, "operational_state", {"RUNNING", "PARKED", "CHARGING", "OFF"})) {
    return e;
  }
  if (const auto* pos = member(r, "position"); !is_null_or_absent(pos)) {
    if (!pos->IsObject()) return fail(prefix, "position", "must be an object {lat, lon}");
    const auto* lat = member(*pos, "lat");
    const auto* lon = member(*pos, "lon");
    if (lat == nullptr || !lat->IsNumber() || !std::isfinite(lat->GetDouble()) || lat->GetDouble() < -90.0 ||
        lat->GetDouble() > 90.0) {
      return fail(prefix, "position.lat", "must be a number in [-90, 90]");
    }
    if (lon == nullptr || !lon->IsNumber() || !std::isfinite(lon->GetDouble()) || lon->GetDouble() < -180.0 ||
        lon->GetDouble() > 180.0) {
      return fail(prefix, "position.lon", "must be a number in [-180, 180]");
    }
  }
  if (const auto* cfg = member(r, "configuration"); !is_null_or_absent(cfg)) {
    if (auto e = check_scalar_map(*cfg, prefix, "configuration", 64)) return e;
  }
  if (const auto* diags = member(r, "diagnostics"); !is_null_or_absent(diags)) {
    if (!diags->IsArray()) return fail(prefix, "diagnostics", "must be an array");
    if (diags->Size() > 64) return fail(prefix, "diagnostics", "has more than 64 entries");
    for (rapidjson::SizeType i = 0; i < diags->Size(); ++i) {
      const auto& d = (*diags)[i];
      const std::string where = "diagnostics[" + std::to_string(i) + "]";
      if (!d.IsObject()) return fail(prefix, where, "must be an object {code, severity}");
      const auto* code = member(d, "code");
      if (code == nullptr || !code->IsString() || !valid_identifier(str(*code), 32)) {
        return fail(prefix, where + ".code", "must be 1..32 characters of [A-Za-z0-9._:-]");
      }
      if (const auto* sev = member(d, "severity"); !is_null_or_absent(sev)) {
        if (!sev->IsString() || !one_of(str(*sev), {"info", "warning", "error", "critical"})) {
          return fail(prefix, where + ".severity", "must be one of info, warning, error, critical");
        }
      }
    }
  }
  if (const auto* conn = member(r, "connectivity"); !is_null_or_absent(conn)) {
    if (!conn->IsObject()) return fail(prefix, "connectivity", "must be an object");
    if (const auto* dbm = member(*conn, "signal_dbm"); !is_null_or_absent(dbm)) {
      if (!dbm->IsInt() || dbm->GetInt() < -200 || dbm->GetInt() > 0) {
        return fail(prefix, "connectivity.signal_dbm", "must be an integer in [-200, 0]");
      }
    }
    if (const auto* net = member(*conn, "network"); !is_null_or_absent(net)) {
      if (!net->IsString() || net->GetStringLength() == 0 || net->GetStringLength() > 16) {
        return fail(prefix, "connectivity.network", "must be a string of 1..16 bytes");
      }
    }
  }
  return std::nullopt;
}

std::optional<FieldError> validate_command_status(const rapidjson::Value& b, TimePoint now, std::string_view prefix) {
  if (!b.IsObject()) return FieldError{std::string(prefix), "the body must be a JSON object"};
  const auto* cmd = member(b, "command_id");
  if (cmd == nullptr) return fail(prefix, "command_id", "is required");
  if (!cmd->IsString() || !valid_identifier(str(*cmd))) {
    return fail(prefix, "command_id", "must be 1..128 characters of [A-Za-z0-9._:-]");
  }
  if (auto e = check_vin(b, prefix)) return e;
  if (auto why = check_time(member(b, "time"), now)) return fail(prefix, "time", *why);
  if (auto e = check_required_enum(b, prefix, "result", {"ACCEPTED", "APPLIED", "REJECTED", "FAILED"})) {
    return e;
  }
  if (const auto* ec = member(b, "error_code"); !is_null_or_absent(ec)) {
    if (!ec->IsString() || !valid_identifier(str(*ec), 64)) {
      return fail(prefix, "error_code", "must be null or 1..64 characters of [A-Za-z0-9._:-]");
    }
  }
  if (const auto* rp = member(b, "reported_parameters"); !is_null_or_absent(rp)) {
    if (auto e = check_scalar_map(*rp, prefix, "reported_parameters", 64)) return e;
  }
  return std::nullopt;
}

std::optional<FieldError> validate_item(Validator validator, const rapidjson::Value& item, TimePoint now,
                                        std::string_view prefix) {
  switch (validator) {
    case Validator::factory_status:
      return validate_factory_status(item, now);
    case Validator::iot_reading:
      return validate_iot_reading(item, now, prefix);
    case Validator::iot_command_status:
      return validate_command_status(item, now, prefix);
    case Validator::none:
      break;
  }
  if (!item.IsObject()) return FieldError{std::string(prefix), "must be a JSON object"};
  return std::nullopt;
}

}  // namespace caas::ingress

namespace caas::ingress {

namespace {
std::string lower_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
}  // namespace

bool json_content_type(std::string_view value) {
  const auto semi = value.find(';');
  if (lower_trim(value.substr(0, semi)) != "application/json") return false;
  if (semi == std::string_view::npos) return true;
  std::string_view params = value.substr(semi + 1);
  while (!params.empty()) {
    const auto next = params.find(';');
    const std::string param = lower_trim(params.substr(0, next));
    if (!param.empty()) {
      if (param != "charset=utf-8" && param != "charset=\"utf-8\"") return false;
    }
    if (next == std::string_view::npos) break;
    params.remove_prefix(next + 1);
  }
  return true;
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 256) return false;
  for (char c : key) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool factory_signature_form(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.size() != 64) return false;
  for (char c : value) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

}  // namespace caas::ingress
