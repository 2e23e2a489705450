#include "caas/events/schema_registry.hpp"

#include <rapidjson/pointer.h>
// RapidJSON 1.1's validator trips GCC's flow-based -Wnull-dereference once
// inlined here (a false positive inside the library), so silence it for the
// header's lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <rapidjson/schema.h>
#pragma GCC diagnostic pop
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "caas/events/errors.hpp"

namespace caas::events {
namespace {
constexpr std::string_view kDraft04 = "http://json-schema.org/draft-04/schema#";

// "order.created.v1.json" -> {"order.created", 1}; nullopt for other files.
std::optional<std::pair<std::string, int>> split_schema_name(std::string_view name) {
  constexpr std::string_view ext = ".json";
  if (name.size() <= ext.size() || name.substr(name.size() - ext.size()) != ext) return std::nullopt;
  name.remove_suffix(ext.size());
  const auto dot = name.rfind(".v");
  if (dot == std::string_view::npos || dot == 0 || dot + 2 >= name.size()) return std::nullopt;
  int version = 0;
  for (char c : name.substr(dot + 2)) {
    if (c < '0' || c > '9' || version > 100000) return std::nullopt;
    version = version * 10 + (c - '0');
  }
  if (version < 1) return std::nullopt;
  return std::pair{std::string(name.substr(0, dot)), version};
}

std::string pointer_string(const rapidjson::Pointer& p) {
  rapidjson::StringBuffer sb;
  p.Stringify(sb);
  return {sb.GetString(), sb.GetSize()};
}
}  // namespace

struct SchemaRegistry::Entry {
  std::string id;
  std::string type;
  int version = 0;
  std::filesystem::path file;
  rapidjson::Document source;  // kept alive for the compiled schema
  std::unique_ptr<rapidjson::SchemaDocument> schema;
  // RapidJSON 1.1's regex (`pattern`) keeps its search state inside the
  // compiled schema, so concurrent validations against one schema race.
  // Validation is short; serialising it per schema keeps the registry
  // shareable between threads as documented.
  mutable std::mutex validate_mutex;
};

std::filesystem::path default_schema_dir() {
  // Read once at start-up by the caller; getenv is not used on hot paths.
  if (const char* env = std::getenv("CAAS_SCHEMA_DIR"); env != nullptr && *env != '\0') return env;
  return "proto-schemas";
}

SchemaRegistry::SchemaRegistry(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot read schema directory " + dir.string() + ": " + ec.message());
  for (const auto& file : it) {
    if (!file.is_regular_file()) continue;
    auto name = split_schema_name(file.path().filename().string());
    if (!name) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (!in) throw std::runtime_error("cannot read schema " + file.path().string());
    auto doc = parse_strict_json(buf.str());
    if (!doc) throw std::runtime_error("schema " + file.path().string() + ": " + doc.error().message);
    if (!doc->IsObject()) throw std::runtime_error("schema " + file.path().string() + " is not an object");
    auto s = doc->FindMember("$schema");
    if (s == doc->MemberEnd() || !s->value.IsString() || std::string_view(s->value.GetString()) != kDraft04)
      throw std::runtime_error("schema " + file.path().string() + ": $schema must be " + std::string(kDraft04));
    auto entry = std::make_unique<Entry>();
    entry->type = name->first;
    entry->version = name->second;
    entry->id = name->first + ".v" + std::to_string(name->second);
    entry->file = file.path();
    entry->source = std::move(doc).value();
    entry->schema = std::make_unique<rapidjson::SchemaDocument>(entry->source);
    const Entry* raw = entry.get();
    auto& latest = latest_[entry->type];
    if (latest == nullptr || latest->version < raw->version) latest = raw;
    entries_[entry->id] = std::move(entry);
  }
  if (entries_.empty()) throw std::runtime_error("no <type>.v<N>.json schemas in " + dir.string());
}

SchemaRegistry::~SchemaRegistry() = default;
SchemaRegistry::SchemaRegistry(SchemaRegistry&&) noexcept = default;
SchemaRegistry& SchemaRegistry::operator=(SchemaRegistry&&) noexcept = default;

const SchemaRegistry::Entry* SchemaRegistry::find(std::string_view key) const {
  if (auto slash = key.rfind('/'); slash != std::string_view::npos) key.remove_prefix(slash + 1);
  if (key.size() > 5 && key.substr(key.size() - 5) == ".json") key.remove_suffix(5);
  if (auto it = entries_.find(key); it != entries_.end()) return it->second.get();
  if (auto it = latest_.find(key); it != latest_.end()) return it->second;
  return nullptr;
}

bool SchemaRegistry::contains(std::string_view key) const {
  return find(key) != nullptr;
}

std::vector<std::string> SchemaRegistry::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, e] : entries_) out.push_back(id);
  return out;
}

std::filesystem::path SchemaRegistry::file_of(std::string_view id) const {
  const Entry* e = find(id);
  return e ? e->file : std::filesystem::path{};
}

Result<void> SchemaRegistry::validate(std::string_view key, const rapidjson::Value& data) const {
  const Entry* e = find(key);
  if (e == nullptr)
    return Error{make_error_code(EventsErrc::unknown_schema), "no schema for '" + std::string(key) + "'"};
  std::lock_guard lock(e->validate_mutex);
  rapidjson::SchemaValidator validator(*e->schema);
  if (data.Accept(validator)) return ok();

  const std::string keyword = validator.GetInvalidSchemaKeyword();
  const rapidjson::Pointer doc_ptr = validator.GetInvalidDocumentPointer();
  const rapidjson::Pointer schema_ptr = validator.GetInvalidSchemaPointer();
  std::string msg = e->id + ": '" + keyword + "' failed at '" + pointer_string(doc_ptr) + "'";
  // Name the offending properties for the two most common failures.
  const rapidjson::Value* sub = schema_ptr.Get(e->source);
  const rapidjson::Value* obj = doc_ptr.Get(data);
  if (sub != nullptr && obj != nullptr && sub->IsObject() && obj->IsObject()) {
    std::string names;
    if (keyword == "required") {
      auto req = sub->FindMember("required");
      if (req != sub->MemberEnd() && req->value.IsArray())
        for (const auto& r : req->value.GetArray())
          if (r.IsString() && !obj->HasMember(r)) names += (names.empty() ? "" : ", ") + std::string(r.GetString());
      if (!names.empty()) msg += " (missing: " + names + ")";
    } else if (keyword == "additionalProperties") {
      auto props = sub->FindMember("properties");
      for (const auto& m : obj->GetObject())
        if (props == sub->MemberEnd() || !props->value.IsObject() || !props->value.HasMember(m.name))
          names += (names.empty() ? "" : ", ") + std::string(m.name.GetString());
      if (!names.empty()) msg += " (unexpected: " + names + ")";
    }
  }
  return Error{make_error_code(EventsErrc::schema_violation), std::move(msg)};
}

Result<void> SchemaRegistry::validate_json(std::string_view key, std::string_view json,
                                           const StrictJsonLimits& limits) const {
  auto doc = parse_strict_json(json, limits);
  if (!doc) return doc.error();
  return validate(key, *doc);
}

Result<void> SchemaRegistry::validate(const Envelope& e) const {
  auto doc = parse_strict_json(e.data);
  if (!doc) return doc.error();
  return validate(e.dataschema.empty() ? std::string_view(e.type) : std::string_view(e.dataschema), *doc);
}

}  // namespace caas::events
