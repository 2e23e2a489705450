#pragma once
// POST /v1/messages request body and headers: validation with the first
// failing member named, the Idempotency-Key syntax, the Bearer scheme.
//
// {"recipient":{"customer_id":"CAAS-CUST-1"},
//  "notification":{"title":"…","body":"…"},
//  "language":"es",
//  "data":{"type":"order_confirmed","order_id":"…"}}   (optional, string values only)

#include <rapidjson/document.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "domain/api_error.hpp"

#include <caas/sim/api_auth.hpp>

namespace caas::push_sim {

// Limits of the contract; lengths are in characters (Unicode code points),
// so a Spanish title with accents gets the same room as an English one.
inline constexpr std::size_t kMaxCustomerIdChars = 128;
inline constexpr std::size_t kMaxTitleChars = 200;
inline constexpr std::size_t kMaxBodyChars = 4000;
inline constexpr std::size_t kMaxDataEntries = 32;
inline constexpr std::size_t kMaxIdempotencyKey = 128;

struct PushRequest {
  std::string customer_id;
  std::string title;
  std::string body;
  std::string language;                     // "es" or "en"
  std::map<std::string, std::string> data;  // absent and {} are the same

  /// Two requests are "the same body" for the Idempotency-Key when their
  /// validated content is equal: formatting, member order and unknown extra
  /// members do not count.
  bool operator==(const PushRequest&) const = default;
};

/// INVALID_REQUEST naming the first bad member ("recipient.customer_id",
/// "notification.title", "language", "data", "data.order_id", or "" when the
/// body is not an object). Unknown extra members are tolerated (a newer client
/// may send more).
std::variant<PushRequest, ApiError> validate_push_request(const rapidjson::Value& body);

/// Idempotency-Key syntax: 1..128 printable ASCII characters (0x20..0x7e).
bool valid_idempotency_key(std::string_view key);

/// Code points of valid UTF-8 text (the strict JSON parser has checked it).
std::size_t utf8_length(std::string_view text);

/// The token of an `Authorization: Bearer <token>` value (shared by every simulator).
using sim::bearer_token;

}  // namespace caas::push_sim
