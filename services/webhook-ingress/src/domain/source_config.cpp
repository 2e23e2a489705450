#include "domain/source_config.hpp"

#include <caas/events/json.hpp>

#include <set>
#include <system_error>

namespace caas::ingress {

namespace {

Error config_error(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

std::size_t version_dot(std::string_view schema) {
  const auto pos = schema.rfind(".v");
  return pos == std::string_view::npos ? schema.size() : pos;
}

}  // namespace

std::string SourceConfig::event_type() const {
  return schema.substr(0, version_dot(schema));
}

int SourceConfig::schema_version() const {
  const auto pos = version_dot(schema);
  if (pos + 2 >= schema.size()) return 1;
  int v = 0;
  for (char c : std::string_view(schema).substr(pos + 2)) {
    if (c < '0' || c > '9') return 1;
    v = v * 10 + (c - '0');
    if (v > 1000) return 1;
  }
  return v == 0 ? 1 : v;
}

std::string_view to_string(SignatureScheme s) {
  return s == SignatureScheme::factory_hmac ? "factory-hmac" : "standard-webhooks";
}
std::string_view to_string(PayloadKind k) {
  return k == PayloadKind::single ? "single" : "batch";
}

std::vector<SourceConfig> default_sources() {
  SourceConfig factory;
  factory.name = "factory";
  factory.path = "/api/v1/webhooks/factory/status";
  factory.signature = SignatureScheme::factory_hmac;
  factory.secrets_env = "CAAS_FACTORY_WEBHOOK_SECRETS_FILE";
  factory.schema = "ingress.factory-status.v1";
  factory.topic = "caas.ingress.factory-status.v1";
  factory.key_field = "order_id";
  factory.validator = Validator::factory_status;
  factory.responses = ResponseStyle::factory;
  factory.rate_limit = {5000, 10000};
  factory.max_body_bytes = 64 * 1024;
  factory.check_known_orders = true;

  SourceConfig telemetry;
  telemetry.name = "iot-telemetry";
  telemetry.path = "/api/v1/webhooks/iot/telemetry";
  telemetry.signature = SignatureScheme::standard_webhooks;
  telemetry.secrets_env = "CAAS_IOT_WEBHOOK_SECRETS_FILE";
  telemetry.schema = "ingress.iot-telemetry.v1";
  telemetry.topic = "caas.ingress.iot-telemetry.v1";
  telemetry.key_field = "vin";
  telemetry.payload = PayloadKind::batch;
  telemetry.items_field = "readings";
  telemetry.max_items = 500;
  telemetry.validator = Validator::iot_reading;
  telemetry.responses = ResponseStyle::standard;
  telemetry.rate_limit = {5000, 10000};
  telemetry.max_body_bytes = 1024 * 1024;
  telemetry.dedup_webhook_id = true;

  SourceConfig command = telemetry;
  command.name = "iot-command-status";
  command.path = "/api/v1/webhooks/iot/command-status";
  command.schema = "ingress.iot-command-status.v1";
  command.topic = "caas.ingress.iot-command-status.v1";
  command.payload = PayloadKind::single;
  command.items_field.clear();
  command.validator = Validator::iot_command_status;
  command.rate_limit = {2000, 4000};
  command.max_body_bytes = 64 * 1024;

  return {factory, telemetry, command};
}

namespace {

class EntryReader {
 public:
  EntryReader(const rapidjson::Value& v, std::string where) : v_(v), where_(std::move(where)) {}

  Result<std::string> string(const char* name, bool required, std::string fallback = {}) const {
    auto it = v_.FindMember(name);
    if (it == v_.MemberEnd() || it->value.IsNull()) {
      if (required) return config_error(where_ + "." + name + ": required");
      return fallback;
    }
    if (!it->value.IsString() || it->value.GetStringLength() == 0) {
      return config_error(where_ + "." + name + ": must be a non-empty string");
    }
    return std::string(it->value.GetString(), it->value.GetStringLength());
  }
  Result<double> number(const rapidjson::Value& obj, const std::string& where, const char* name, double fallback,
                        double min, double max) const {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) return fallback;
    if (!it->value.IsNumber() || it->value.GetDouble() < min || it->value.GetDouble() > max) {
      return config_error(where + "." + name + ": must be a number in [" + std::to_string(min) + ", " +
                          std::to_string(max) + "]");
    }
    return it->value.GetDouble();
  }
  Result<bool> boolean(const char* name, bool fallback) const {
    auto it = v_.FindMember(name);
    if (it == v_.MemberEnd()) return fallback;
    if (!it->value.IsBool()) return config_error(where_ + "." + name + ": must be true or false");
    return it->value.GetBool();
  }
  const rapidjson::Value& value() const { return v_; }
  const std::string& where() const { return where_; }

 private:
  const rapidjson::Value& v_;
  std::string where_;
};

bool valid_path(std::string_view p) {
  if (p.size() < 2 || p.size() > 256 || p.front() != '/') return false;
  for (char c : p) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return p.find("//") == std::string_view::npos;
}

Result<SourceConfig> parse_entry(const rapidjson::Value& v, const std::string& where) {
  if (!v.IsObject()) return config_error(where + ": must be an object");
  static const std::set<std::string, std::less<>> known{
      "name",       "path",           "signature",          "secrets_env",     "schema",    "topic",
      "key_field",  "payload",        "items_field",        "max_items",       "validator", "responses",
      "rate_limit", "max_body_bytes", "check_known_orders", "dedup_webhook_id"};
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    std::string_view key(m->name.GetString(), m->name.GetStringLength());
    if (!known.contains(key)) return config_error(where + "." + std::string(key) + ": unknown setting");
  }
  EntryReader r(v, where);
  SourceConfig s;
#define CAAS_TAKE(dst, expr)        \
  do {                              \
    auto res_ = (expr);             \
    if (!res_) return res_.error(); \
    dst = std::move(res_.value());  \
  } while (false)
  CAAS_TAKE(s.name, r.string("name", true));
  CAAS_TAKE(s.path, r.string("path", true));
  if (!valid_path(s.path)) return config_error(where + ".path: must be an absolute path of [A-Za-z0-9/._-]");
  std::string sig;
  CAAS_TAKE(sig, r.string("signature", true));
  if (sig == "factory-hmac") {
    s.signature = SignatureScheme::factory_hmac;
  } else if (sig == "standard-webhooks") {
    s.signature = SignatureScheme::standard_webhooks;
  } else {
    return config_error(where + ".signature: must be factory-hmac or standard-webhooks");
  }
  CAAS_TAKE(s.secrets_env, r.string("secrets_env", true));
  CAAS_TAKE(s.schema, r.string("schema", true));
  if (s.schema.find(".v") == std::string::npos) {
    return config_error(where + ".schema: must be a schema id \"<type>.v<N>\"");
  }
  CAAS_TAKE(s.topic, r.string("topic", true));
  CAAS_TAKE(s.key_field, r.string("key_field", true));
  std::string payload;
  CAAS_TAKE(payload, r.string("payload", false, "single"));
  if (payload == "single") {
    s.payload = PayloadKind::single;
  } else if (payload == "batch") {
    s.payload = PayloadKind::batch;
    CAAS_TAKE(s.items_field, r.string("items_field", true));
  } else {
    return config_error(where + ".payload: must be single or batch");
  }
  double max_items = 0;
  CAAS_TAKE(max_items, r.number(v, where, "max_items", 1000, 1, 100000));
  s.max_items = static_cast<std::size_t>(max_items);
  std::string validator;
  CAAS_TAKE(validator, r.string("validator", false, "none"));
  if (validator == "none") {
    s.validator = Validator::none;
  } else if (validator == "factory-status") {
    s.validator = Validator::factory_status;
  } else if (validator == "iot-reading") {
    s.validator = Validator::iot_reading;
  } else if (validator == "iot-command-status") {
    s.validator = Validator::iot_command_status;
  } else {
    return config_error(where + ".validator: must be none, factory-status, iot-reading or iot-command-status");
  }
  const std::string default_style = s.signature == SignatureScheme::factory_hmac ? "factory" : "standard";
  std::string style;
  CAAS_TAKE(style, r.string("responses", false, default_style));
  if (style == "factory") {
    s.responses = ResponseStyle::factory;
  } else if (style == "standard") {
    s.responses = ResponseStyle::standard;
  } else {
    return config_error(where + ".responses: must be factory or standard");
  }
  if (auto it = v.FindMember("rate_limit"); it != v.MemberEnd()) {
    if (!it->value.IsObject()) return config_error(where + ".rate_limit: must be an object {rps, burst}");
    CAAS_TAKE(s.rate_limit.rps, r.number(it->value, where + ".rate_limit", "rps", s.rate_limit.rps, 0.001, 1e7));
    CAAS_TAKE(s.rate_limit.burst,
              r.number(it->value, where + ".rate_limit", "burst", std::max(1.0, s.rate_limit.rps), 1, 1e7));
  }
  double body = 0;
  CAAS_TAKE(body, r.number(v, where, "max_body_bytes", 64 * 1024, 16, 16 * 1024 * 1024));
  s.max_body_bytes = static_cast<std::size_t>(body);
  CAAS_TAKE(s.check_known_orders, r.boolean("check_known_orders", false));
  CAAS_TAKE(s.dedup_webhook_id, r.boolean("dedup_webhook_id", s.signature == SignatureScheme::standard_webhooks));
#undef CAAS_TAKE
  if (s.dedup_webhook_id && s.signature != SignatureScheme::standard_webhooks) {
    return config_error(where + ".dedup_webhook_id: needs signature standard-webhooks (webhook-id header)");
  }
  return s;
}

}  // namespace

Result<std::vector<SourceConfig>> parse_sources(std::string_view json) {
  auto doc = events::parse_strict_json(json);
  if (!doc) return config_error("sources file: " + doc.error().message);
  if (!doc->IsObject() || !doc->HasMember("sources") || !(*doc)["sources"].IsArray()) {
    return config_error("sources file: expected {\"sources\": [ … ]}");
  }
  const auto& arr = (*doc)["sources"];
  if (arr.Empty()) return config_error("sources file: \"sources\" is empty");
  std::vector<SourceConfig> out;
  std::set<std::string> names;
  std::set<std::string> paths;
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    const std::string where = "sources[" + std::to_string(i) + "]";
    auto s = parse_entry(arr[i], where);
    if (!s) return s.error();
    if (!names.insert(s->name).second) return config_error(where + ".name: duplicate source name " + s->name);
    if (!paths.insert(s->path).second) return config_error(where + ".path: duplicate path " + s->path);
    out.push_back(std::move(s.value()));
  }
  return out;
}

}  // namespace caas::ingress
