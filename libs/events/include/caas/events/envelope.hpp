#pragma once
// CloudEvents 1.0 structured-mode JSON envelope (DESIGN §3). `data` is always
// a JSON object, carried here as its compact JSON text and embedded as an
// object (not a string) on the wire.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caas/core/result.hpp"
#include "caas/events/json.hpp"
#include "caas/events/time.hpp"

namespace caas::events {

inline constexpr std::string_view kSpecVersion = "1.0";
inline constexpr std::string_view kJsonContentType = "application/json";

struct Envelope {
  std::string id;       // UUID v4; the consumer dedup key
  std::string source;   // e.g. "caas/order"
  std::string type;     // e.g. "order.status-changed"
  std::string subject;  // aggregate id (= the record key)
  std::string time;     // RFC 3339
  std::string datacontenttype{kJsonContentType};
  std::string dataschema;     // "proto-schemas/<type>.v1.json"
  std::string correlationid;  // flow id (X-Request-Id of the originating request)
  std::string causationid;    // id of the event that caused this one; may be empty
  std::string data;           // compact JSON object text
};

/// "proto-schemas/<type>.v<version>.json"
std::string dataschema_for(std::string_view type, int version = 1);

/// Generates UUIDs (v4 textual form). Must be callable from several threads
/// if shared.
using IdGenerator = std::function<std::string()>;
/// UUID v4 from OpenSSL's CSPRNG (RAND_bytes); throws if the RNG fails.
std::string uuid_v4();
IdGenerator random_uuid_generator();
/// Deterministic UUID v4s from a seeded engine (tests, simulators).
IdGenerator seeded_uuid_generator(std::uint64_t seed);

/// Builds envelopes for one source with an injected clock and id generator.
class EnvelopeBuilder {
 public:
  explicit EnvelopeBuilder(std::string source, Clock clock = system_now, IdGenerator ids = random_uuid_generator());

  /// `data_json` must be a JSON object (strictly parsed, stored compact).
  /// `dataschema` defaults to dataschema_for(type). Errors as parse_strict_json
  /// or invalid_attribute (empty type/subject/correlation id, data not an object).
  Result<Envelope> build(std::string_view type, std::string_view subject, std::string_view data_json,
                         std::string_view correlation_id, std::string_view causation_id = {},
                         std::string_view dataschema = {}) const;

 private:
  std::string source_;
  Clock clock_;
  IdGenerator ids_;
};

Result<Envelope> make_envelope(std::string_view type, std::string_view source, std::string_view subject,
                               std::string_view data_json, std::string_view correlation_id,
                               std::string_view causation_id, const Clock& clock = system_now,
                               const IdGenerator& ids = random_uuid_generator());

/// Compact JSON, attributes in a fixed order, `data` embedded as an object.
/// Empty optional attributes (dataschema, causationid) are omitted.
std::string serialize(const Envelope& e);

/// Strict: specversion must be "1.0"; id, source, type, subject, time,
/// correlationid required non-empty strings; time must be RFC 3339;
/// datacontenttype, if present, "application/json"; dataschema/causationid
/// optional strings; data required and an object. Unknown extension
/// attributes are ignored if they are strings/numbers/bools. The error
/// message names the offending attribute.
Result<Envelope> parse_envelope(std::string_view json, const StrictJsonLimits& limits = {});

/// Record headers repeated from the envelope: ce_type, ce_id, correlationid.
std::vector<std::pair<std::string, std::string>> kafka_headers(const Envelope& e);

}  // namespace caas::events
