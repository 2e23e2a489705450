#pragma once
// JSON Schema (draft-04, RapidJSON) registry for event data. Loads every
// `<type>.v<N>.json` file from a directory (proto-schemas/); other files
// (topics.json, README.md) are skipped. Immutable after construction, so one
// registry can be shared by all threads (each validate() uses its own
// validator).
//
// Schema ids: "<type>.v<N>". validate() accepts any of
//   "order.created"                          -> highest loaded version
//   "order.created.v1"
//   "proto-schemas/order.created.v1.json"    (an envelope's dataschema)

#include <rapidjson/document.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "caas/core/result.hpp"
#include "caas/events/envelope.hpp"
#include "caas/events/json.hpp"

namespace caas::events {

/// $CAAS_SCHEMA_DIR if set, else "proto-schemas" (relative to the cwd).
std::filesystem::path default_schema_dir();

class SchemaRegistry {
 public:
  /// Throws std::runtime_error (naming the file) for an unreadable dir, a
  /// file that is not strict JSON, or a schema without draft-04 `$schema`.
  explicit SchemaRegistry(const std::filesystem::path& dir);
  ~SchemaRegistry();
  SchemaRegistry(SchemaRegistry&&) noexcept;
  SchemaRegistry& operator=(SchemaRegistry&&) noexcept;

  /// Errors: unknown_schema; schema_violation with message
  /// "<id>: '<keyword>' failed at '<json pointer>'" (+ missing/unknown names).
  Result<void> validate(std::string_view type_or_dataschema, const rapidjson::Value& data) const;
  /// Strictly parses then validates.
  Result<void> validate_json(std::string_view type_or_dataschema, std::string_view json,
                             const StrictJsonLimits& limits = {}) const;
  /// Validates an envelope's data against its dataschema (or its type).
  Result<void> validate(const Envelope& e) const;

  bool contains(std::string_view type_or_dataschema) const;
  std::vector<std::string> ids() const;  // "<type>.v<N>", sorted
  std::filesystem::path file_of(std::string_view id) const;

 private:
  struct Entry;
  const Entry* find(std::string_view key) const;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;  // by id
  std::map<std::string, const Entry*, std::less<>> latest_;             // by type
};

}  // namespace caas::events
