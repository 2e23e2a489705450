#pragma once
// Turns one verified, validated payload item into the Kafka record: the item
// field for field plus receipt metadata, wrapped in the CloudEvents envelope,
// keyed by the source's key field, with the ce_* headers.
//
// Event ids are derived, not random: a partner retrying the same webhook
// (same webhook-id, or for body-signed sources the same body) yields the same
// event id, so downstream dedup-by-event-id absorbs the retry.

#include "domain/source_config.hpp"

#include <caas/core/result.hpp>
#include <caas/kafka/record.hpp>

#include <rapidjson/document.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace caas::ingress {

inline constexpr std::string_view kEventSource = "caas/webhook-ingress";

struct Receipt {
  std::string received_at;  // RFC 3339
  std::string source;       // source name
  std::string request_id;   // X-Request-Id (the correlation id)
  std::string secret_id;    // log-safe id of the secret that verified the signature
  std::string webhook_id;   // Standard Webhooks id; empty for body-signed sources
};

/// UUID-formatted (version nibble 5, RFC 4122 variant) SHA-256 of
/// source, dedup basis and item index.
std::string derive_event_id(std::string_view source, std::string_view basis, std::size_t index);

/// Turns `item` (an object) into the data object in place: receipt members
/// it may carry are removed (the others keep their order), then received_at,
/// source, request_id, secret_id[, webhook_id] are appended. The receipt's
/// strings are referenced, not copied: `receipt` must outlive `item`.
/// In place, so a webhook is parsed once and written once.
void attach_receipt(rapidjson::Value& item, const Receipt& receipt, rapidjson::Document::AllocatorType& allocator);

/// The data object as compact JSON: attach_receipt on a copy of `item`.
std::string build_data(const rapidjson::Value& item, const Receipt& receipt);

/// Envelope + record. `key` is the item's key field value; `data_json` is a
/// compact JSON object this service wrote (it is embedded as it is). The
/// envelope's time is the receipt's received_at: the same instant.
Result<kafka::Record> build_record(const SourceConfig& source, std::string_view key, std::string data_json,
                                   const Receipt& receipt, std::string_view event_id);

}  // namespace caas::ingress
