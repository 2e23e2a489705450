#pragma once
// Every body the ingress answers. Factory-style sources answer seed 000's
// bodies field for field (200 {"received":true,"order_id","processed_at"},
// 400 {"error":"Invalid signature","received":false}, 404 {"error":"Order not
// found","order_id","received":false}); their other errors carry the §6
// fields plus "received": false. Standard-style sources answer DESIGN.md §6
// error bodies.

#include "domain/source_config.hpp"
#include "domain/validation.hpp"

#include <caas/http/message.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace caas::ingress::responses {

http::Response factory_received(std::string_view order_id, std::string_view processed_at);
http::Response factory_invalid_signature();
http::Response factory_order_not_found(std::string_view order_id);

/// 200 for a standard-style source: {"received":true,"records":n,"processed_at",…}.
http::Response received(std::size_t records, std::string_view processed_at, std::string_view webhook_id,
                        bool duplicate);

/// 401 (standard) for a failed Standard Webhooks check.
http::Response unauthorized(std::string_view message);
/// 400 invalid payload naming the failing field.
http::Response invalid_payload(ResponseStyle style, const FieldError& error);
/// 400 for a request refused before its payload was looked at
/// (duplicated headers, malformed webhook-id …).
http::Response bad_request(ResponseStyle style, std::string_view error, std::string_view message);
http::Response unsupported_media_type(ResponseStyle style);
http::Response payload_too_large(ResponseStyle style, std::size_t limit);
http::Response rate_limited(ResponseStyle style, long retry_after_seconds);
/// 503 + Retry-After: Kafka cannot take (or did not acknowledge) the data.
http::Response unavailable(ResponseStyle style, std::string_view message, long retry_after_seconds = 1);
/// 409: the same webhook-id is being processed right now; retry later.
http::Response in_progress(long retry_after_seconds = 1);

}  // namespace caas::ingress::responses
