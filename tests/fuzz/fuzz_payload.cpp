// Fuzz target: webhook payload validation.
//
// The input is a request body. It goes through what the ingress does with a
// verified body: strict JSON parsing under the webhook limits, JSON Schema
// validation against every ingress.* / iot.* schema in proto-schemas/, and
// (when services/webhook-ingress/src/domain/ is built in, see
// CMakeLists.txt) the ingress's field validators for every declared source,
// batch items included. Timestamps found in the body go through the strict
// RFC 3339 / ISO 8601 parsers.
//
// Properties checked besides "no crash / leak / UB / stack overflow": a
// parsed document re-serialises to JSON that parses again under the same
// depth, string and count limits (nothing is accepted that we could not write
// back), and a document the parser accepts is never deeper than the limit.

#include <rapidjson/document.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "caas/events/json.hpp"
#include "caas/events/schema_registry.hpp"
#include "caas/events/time.hpp"

#if defined(CAAS_FUZZ_INGRESS_VALIDATION)
#include "domain/source_config.hpp"
#include "domain/validation.hpp"
#endif

namespace ev = caas::events;

namespace {

[[noreturn]] void property_failed(const char* what) {
  std::fprintf(stderr, "property failed: %s\n", what);
  std::abort();
}

// Limits for webhook bodies: the server's 1 MiB body cap, a shallow depth
// (partner payloads are at most a few levels deep).
ev::StrictJsonLimits webhook_limits() {
  ev::StrictJsonLimits l;
  l.max_depth = 32;
  l.max_input_bytes = 1 << 20;
  l.max_string_bytes = 64 * 1024;
  l.max_values = 100000;
  return l;
}

const ev::SchemaRegistry& registry() {
  static const ev::SchemaRegistry r{CAAS_SCHEMA_DIR};
  return r;
}

const std::vector<std::string>& webhook_schemas() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> out;
    for (const auto& id : registry().ids())
      if (id.rfind("ingress.", 0) == 0 || id.rfind("iot.", 0) == 0) out.push_back(id);
    if (out.empty()) property_failed("no ingress.* schema found in " CAAS_SCHEMA_DIR);
    return out;
  }();
  return ids;
}

std::size_t depth(const rapidjson::Value& v) {
  // Iterative, so a deep document cannot overflow the harness's own stack.
  std::size_t max_depth = 0;
  std::vector<std::pair<const rapidjson::Value*, std::size_t>> stack{{&v, 0}};
  while (!stack.empty()) {
    auto [p, d] = stack.back();
    stack.pop_back();
    if (p->IsObject() || p->IsArray()) {
      max_depth = std::max(max_depth, d + 1);
      if (p->IsObject())
        for (const auto& m : p->GetObject()) stack.emplace_back(&m.value, d + 1);
      else
        for (const auto& e : p->GetArray()) stack.emplace_back(&e, d + 1);
    }
  }
  return max_depth;
}

void check_times(const rapidjson::Value& v) {
  if (!v.IsObject()) return;
  for (const char* name : {"timestamp", "time", "estimated_completion_date", "received_at"}) {
    auto it = v.FindMember(name);
    if (it == v.MemberEnd() || !it->value.IsString()) continue;
    std::string_view s(it->value.GetString(), it->value.GetStringLength());
    auto t = ev::parse_rfc3339(s);
    auto i = ev::parse_iso8601(s);
    if (t && !i) property_failed("RFC 3339 time refused by parse_iso8601");
    (void)ev::parse_date(s);
  }
}

#if defined(CAAS_FUZZ_INGRESS_VALIDATION)
void check_sources(const rapidjson::Value& doc, std::string_view text) {
  static const auto sources = caas::ingress::default_sources();
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'717'200'000}};
  for (const auto& src : sources) {
    if (text.size() > src.max_body_bytes) continue;  // 413 before parsing
    if (src.payload == caas::ingress::PayloadKind::single) {
      (void)caas::ingress::validate_item(src.validator, doc, now);
      if (registry().contains(src.schema)) (void)registry().validate(src.schema, doc);
      continue;
    }
    if (!doc.IsObject()) continue;
    auto it = doc.FindMember(src.items_field.c_str());
    if (it == doc.MemberEnd() || !it->value.IsArray()) continue;
    std::size_t i = 0;
    for (const auto& item : it->value.GetArray()) {
      if (i >= src.max_items) break;
      const std::string prefix = src.items_field + "[" + std::to_string(i++) + "]";
      (void)caas::ingress::validate_item(src.validator, item, now, prefix);
      if (registry().contains(src.schema)) (void)registry().validate(src.schema, item);
    }
  }
  if (doc.IsString()) {
    std::string_view s(doc.GetString(), doc.GetStringLength());
    (void)caas::ingress::valid_identifier(s);
    (void)caas::ingress::valid_vin(s);
  }
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto limits = webhook_limits();
  auto parsed = ev::parse_strict_json(text, limits);
  if (!parsed) return 0;
  const rapidjson::Document& doc = *parsed;
  if (depth(doc) > limits.max_depth) property_failed("document deeper than the limit accepted");

  // What we accepted, we can write back and read again.
  auto relaxed = limits;
  relaxed.max_input_bytes = std::numeric_limits<std::size_t>::max();
  const std::string again = ev::to_json(doc);
  if (!ev::parse_strict_json(again, relaxed)) property_failed("re-serialised document does not parse");

  for (const auto& id : webhook_schemas()) (void)registry().validate(id, doc);
  (void)registry().validate_json("ingress.factory-status", text, limits);
  check_times(doc);
#if defined(CAAS_FUZZ_INGRESS_VALIDATION)
  check_sources(doc, text);
#endif
  return 0;
}
