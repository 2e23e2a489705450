#pragma once
// Strict JSON parsing for untrusted input (webhook bodies, Kafka records).
// RapidJSON's iterative parser (no recursion) is fed through a SAX filter that
// enforces a nesting limit before any deep structure is built, rejects
// duplicate keys, bounds string sizes and value counts; the reader itself
// validates UTF-8 and rejects NaN/Infinity. A leading BOM and NUL bytes are
// refused outright.

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "caas/core/result.hpp"

namespace caas::events {

struct StrictJsonLimits {
  std::size_t max_depth = 64;  // nested objects/arrays
  std::size_t max_input_bytes = 4 * 1024 * 1024;
  std::size_t max_string_bytes = 1024 * 1024;  // per string or key
  std::size_t max_values = 1000000;            // total scalars + containers
};

/// Errors: invalid_json, invalid_utf8, nesting_too_deep, duplicate_key,
/// limit_exceeded — the message names the byte offset.
Result<rapidjson::Document> parse_strict_json(std::string_view text, const StrictJsonLimits& limits = {});
/// The same, with the document's values in `allocator`, which must outlive
/// the document: a hot path can parse into a buffer on its stack
/// (MemoryPoolAllocator over a char array) instead of a fresh 64 KiB pool
/// chunk per document, whose free also makes malloc consolidate its bins.
Result<rapidjson::Document> parse_strict_json(std::string_view text, const StrictJsonLimits& limits,
                                              rapidjson::Document::AllocatorType& allocator);

/// Compact serialisation of a value.
std::string to_json(const rapidjson::Value& v);

}  // namespace caas::events
