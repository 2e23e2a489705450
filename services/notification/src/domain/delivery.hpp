#pragma once
// One notification on one channel, from planning to its outcome, and the
// retry rules between (pure: the clock is a parameter).
//
// Identity: notification_id = name-based UUID of (source event id, channel),
// so a redelivered or replayed source event maps to the same notification and
// the delivery log can refuse to send it twice. The same id is the SMTP
// Message-ID and the push gateway's Idempotency-Key.

#include "domain/catalogue.hpp"

#include <caas/core/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::notification {

std::string notification_id_for(std::string_view source_event_id, Channel channel);

enum class DeliveryStatus { pending, sent, failed };
std::string_view to_string(DeliveryStatus s) noexcept;
std::optional<DeliveryStatus> parse_delivery_status(std::string_view s) noexcept;

/// A notification waiting for (another) attempt; everything a worker needs
/// after a restart, including the source record for a dead letter.
struct PendingDelivery {
  std::uint64_t seq = 0;  // planning order: per customer and channel, sent in this order
  std::string notification_id;
  std::string customer_id;
  std::string order_id;       // empty for an OTA outcome
  std::string activation_id;  // empty for an order milestone
  Channel channel = Channel::email;
  std::string type;
  Variables variables;
  std::string source_event_id;
  std::string source_event_type;
  std::int64_t source_time_ms = 0;
  std::string correlation_id;
  // The source record, so an undeliverable notification is dead-lettered
  // with its original key and value (DESIGN.md §3).
  std::string source_topic;
  std::int32_t source_partition = -1;
  std::int64_t source_offset = -1;
  std::string source_key;
  std::string source_value;
  std::int64_t created_at_ms = 0;
  int attempts = 0;
  std::int64_t next_attempt_at_ms = 0;
  std::string last_error;
};

std::string encode(const PendingDelivery& p);
std::optional<PendingDelivery> decode_pending(std::string_view json);

/// The delivery log entry a customer's history shows (GET …/notifications).
struct DeliveryRecord {
  std::uint64_t seq = 0;
  std::string notification_id;
  std::string customer_id;
  std::string order_id;       // empty for an OTA outcome
  std::string activation_id;  // empty for an order milestone
  Channel channel = Channel::email;
  std::string type;
  DeliveryStatus status = DeliveryStatus::pending;
  std::string source_event_id;
  std::string source_event_type;
  std::string language;  // set once rendered
  int attempts = 0;
  std::string created_at;
  std::string finished_at;
  std::string provider_reference;
  std::string error_code;
  std::string error_message;
};

std::string encode(const DeliveryRecord& r);
std::optional<DeliveryRecord> decode_record(std::string_view json);
DeliveryRecord record_of(const PendingDelivery& p, std::string created_at);

/// What a channel said about one attempt.
struct SendResult {
  enum class Kind { accepted, transient, permanent };
  Kind kind = Kind::transient;
  std::string code;                // "smtp_550", "http_503", "timeout", "no_contact_address", …
  std::string message;             // human readable, no secrets
  std::string provider_reference;  // accepted: SMTP reply / push message id
  std::optional<std::chrono::milliseconds> retry_after;
  static SendResult accepted(std::string reference) { return {Kind::accepted, {}, {}, std::move(reference), {}}; }
  static SendResult transient(std::string code, std::string message) {
    return {Kind::transient, std::move(code), std::move(message), {}, {}};
  }
  static SendResult permanent(std::string code, std::string message) {
    return {Kind::permanent, std::move(code), std::move(message), {}, {}};
  }
};

/// Retries: exponential backoff, bounded attempts. A customer without an
/// e-mail address yet is not an attempt: the e-mail waits up to
/// `contact_wait` for one (the preferences may follow the sale).
struct RetryRules {
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  std::chrono::milliseconds contact_wait{std::chrono::hours(24)};
  std::chrono::milliseconds contact_recheck{std::chrono::seconds(30)};
};

inline constexpr std::string_view kNoContactAddress = "no_contact_address";

struct AttemptDecision {
  enum class Action { sent, retry, failed };
  Action action = Action::retry;
  int attempts = 0;                     // after this attempt
  std::int64_t next_attempt_at_ms = 0;  // retry only
  std::string error_class;              // failed: "permanent" | "transient-exhausted"
};

AttemptDecision decide_after_attempt(const PendingDelivery& p, const SendResult& result, const RetryRules& rules,
                                     std::int64_t now_ms);

}  // namespace caas::notification
