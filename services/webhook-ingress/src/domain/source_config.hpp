#pragma once
// Declared webhook sources. A partner is configuration plus a schema: path,
// signature scheme, where its secrets are, which schema its records follow,
// topic, key field, rate limit, body limit and payload shape. Sources come
// from a JSON file (CAAS_INGRESS_SOURCES_FILE) or the built-in defaults for
// the Factory and API IoT endpoints.

#include <caas/core/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace caas::ingress {

enum class SignatureScheme { factory_hmac, standard_webhooks };
enum class PayloadKind { single, batch };
/// Which error/ack body family a source answers with: the Factory's seed 000
/// bodies (`"received": false` …) or DESIGN.md §6 error bodies.
enum class ResponseStyle { factory, standard };
/// Field-level checks beyond the JSON Schema (which every source has).
enum class Validator { none, factory_status, iot_reading, iot_command_status };

struct RateLimit {
  double rps = 1000;    // sustained requests per second
  double burst = 2000;  // bucket size
};

struct SourceConfig {
  std::string name;  // metric label, receipt `source`
  std::string path;  // POST route
  SignatureScheme signature = SignatureScheme::factory_hmac;
  std::string secrets_env;  // variable naming the secrets file
  std::string schema;       // schema id of one record's data, "<type>.v<N>"
  std::string topic;
  std::string key_field;  // field of each record used as the Kafka key
  PayloadKind payload = PayloadKind::single;
  std::string items_field;  // batch: array member holding the records
  std::size_t max_items = 1000;
  Validator validator = Validator::none;
  ResponseStyle responses = ResponseStyle::standard;
  RateLimit rate_limit;
  std::size_t max_body_bytes = 64 * 1024;
  bool check_known_orders = false;  // factory: 404 for order ids never placed
  bool dedup_webhook_id = false;    // Standard Webhooks: repeated webhook-id acknowledged once

  /// "ingress.iot-telemetry" from "ingress.iot-telemetry.v1".
  std::string event_type() const;
  int schema_version() const;
};

/// The Factory and API IoT endpoints of DESIGN.md §2.
std::vector<SourceConfig> default_sources();

/// Parses `{"sources":[{...}]}`. The error message names the offending
/// entry and member, e.g. "sources[1].signature: must be factory-hmac or
/// standard-webhooks".
Result<std::vector<SourceConfig>> parse_sources(std::string_view json);

std::string_view to_string(SignatureScheme s);
std::string_view to_string(PayloadKind k);

}  // namespace caas::ingress
