#include "domain/reading.hpp"

#include <caas/events/json.hpp>
#include <caas/events/time.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <system_error>

namespace caas::telemetry {

namespace {

Error invalid(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

std::string string_member(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const rapidjson::Value* present(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

}  // namespace

std::int64_t to_ms(std::string_view text, bool& ok) {
  auto t = events::parse_rfc3339(text);
  ok = t.ok();
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

int severity_rank(std::string_view severity) {
  for (std::size_t i = 0; i < std::size(kSeverities); ++i) {
    if (kSeverities[i] == severity) return static_cast<int>(i) + 1;
  }
  return severity.empty() ? 1 : 0;  // a code without severity counts as info
}

Result<Reading> parse_reading(std::string_view data_json) {
  auto doc = events::parse_strict_json(data_json);
  if (!doc) return invalid("reading is not JSON: " + doc.error().message);
  const auto& d = *doc;
  if (!d.IsObject()) return invalid("reading must be an object");
  Reading r;
  r.vin = string_member(d, "vin");
  if (r.vin.empty()) return invalid("reading without vin");
  auto seq = d.FindMember("seq");
  if (seq == d.MemberEnd() || !seq->value.IsUint64()) return invalid("reading without a non-negative seq");
  r.seq = seq->value.GetUint64();
  bool ok = false;
  r.time = string_member(d, "time");
  r.time_ms = to_ms(r.time, ok);
  if (!ok) return invalid("reading time is not RFC 3339");
  r.received_at = string_member(d, "received_at");
  r.received_ms = to_ms(r.received_at, ok);
  if (!ok) return invalid("reading received_at is not RFC 3339");
  r.operational_state = string_member(d, "operational_state");
  r.platform = string_member(d, "platform");
  if (const auto* p = present(d, "position")) {
    if (!p->IsObject() || !(*p)["lat"].IsNumber() || !(*p)["lon"].IsNumber()) return invalid("bad position");
    r.position = Position{(*p)["lat"].GetDouble(), (*p)["lon"].GetDouble()};
  }
  if (const auto* c = present(d, "configuration")) {
    if (!c->IsObject()) return invalid("configuration must be an object");
    Configuration conf;
    for (const auto& m : c->GetObject())
      conf[std::string(m.name.GetString(), m.name.GetStringLength())] = compact(m.value);
    r.configuration = std::move(conf);
  }
  if (const auto* list = present(d, "diagnostics")) {
    if (!list->IsArray()) return invalid("diagnostics must be an array");
    std::vector<Diagnostic> out;
    for (const auto& item : list->GetArray()) {
      if (!item.IsObject()) return invalid("a diagnostic must be an object");
      Diagnostic diag{string_member(item, "code"), string_member(item, "severity")};
      if (diag.code.empty()) return invalid("a diagnostic needs a code");
      bool repeated = false;
      for (auto& seen : out) {
        if (seen.code != diag.code) continue;
        // The same code twice in one report: the worse severity stands.
        if (severity_rank(diag.severity) > severity_rank(seen.severity)) seen.severity = diag.severity;
        repeated = true;
      }
      if (!repeated) out.push_back(std::move(diag));
    }
    r.diagnostics = std::move(out);
  }
  if (const auto* c = present(d, "connectivity")) {
    if (!c->IsObject()) return invalid("connectivity must be an object");
    Connectivity conn;
    if (const auto* s = present(*c, "signal_dbm"); s && s->IsInt64()) conn.signal_dbm = s->GetInt64();
    conn.network = string_member(*c, "network");
    r.connectivity = std::move(conn);
  }
  return r;
}

}  // namespace caas::telemetry
