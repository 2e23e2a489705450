#include "domain/responses.hpp"

#include <caas/observability/logger.hpp>

namespace caas::ingress::responses {

namespace {

using observability::json_quote;

void add_received_false(http::Response& r) {
  // Append `"received":false` before the closing brace of error_response's object.
  if (!r.body.empty() && r.body.back() == '}') {
    r.body.pop_back();
    r.body += ",\"received\":false}";
  }
}

http::Response styled_error(ResponseStyle style, int status, std::string_view error, std::string_view message,
                            const http::ErrorFields& extra = {}) {
  auto r = http::error_response(status, error, message, extra);
  if (style == ResponseStyle::factory) add_received_false(r);
  return r;
}

}  // namespace

http::Response factory_received(std::string_view order_id, std::string_view processed_at) {
  std::string body = "{\"received\":true,\"order_id\":";
  body += json_quote(order_id);
  body += ",\"processed_at\":";
  body += json_quote(processed_at);
  body += '}';
  return http::Response::json(200, std::move(body));
}

http::Response factory_invalid_signature() {
  return http::Response::json(400, R"({"error":"Invalid signature","received":false})");
}

http::Response factory_order_not_found(std::string_view order_id) {
  std::string body = "{\"error\":\"Order not found\",\"order_id\":";
  body += json_quote(order_id);
  body += ",\"received\":false}";
  return http::Response::json(404, std::move(body));
}

http::Response received(std::size_t records, std::string_view processed_at, std::string_view webhook_id,
                        bool duplicate) {
  std::string body = "{\"received\":true,\"records\":";
  body += std::to_string(records);
  if (!webhook_id.empty()) {
    body += ",\"webhook_id\":";
    body += json_quote(webhook_id);
  }
  if (duplicate) body += ",\"duplicate\":true";
  body += ",\"processed_at\":";
  body += json_quote(processed_at);
  body += '}';
  return http::Response::json(200, std::move(body));
}

http::Response unauthorized(std::string_view message) {
  return http::error_response(401, "invalid_signature", message);
}

http::Response invalid_payload(ResponseStyle style, const FieldError& error) {
  const std::string message = error.field.empty() ? error.message : error.field + " " + error.message;
  if (style == ResponseStyle::factory) {
    return styled_error(style, 400, "Invalid payload", message, {{"field", error.field}});
  }
  return styled_error(style, 400, "invalid_payload", message, {{"field", error.field}});
}

http::Response bad_request(ResponseStyle style, std::string_view error, std::string_view message) {
  return styled_error(style, 400, error, message);
}

http::Response unsupported_media_type(ResponseStyle style) {
  return styled_error(style, 415, "unsupported_media_type", "Content-Type must be application/json");
}

http::Response payload_too_large(ResponseStyle style, std::size_t limit) {
  return styled_error(style, 413, "payload_too_large",
                      "the body exceeds this endpoint's limit of " + std::to_string(limit) + " bytes",
                      {{"limit_bytes", static_cast<std::int64_t>(limit)}});
}

http::Response rate_limited(ResponseStyle style, long retry_after_seconds) {
  auto r = styled_error(style, 429, "rate_limited", "too many requests for this source; retry later");
  r.headers.set("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

http::Response unavailable(ResponseStyle style, std::string_view message, long retry_after_seconds) {
  auto r = styled_error(style, 503, "unavailable", message);
  r.headers.set("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

http::Response in_progress(long retry_after_seconds) {
  auto r = http::error_response(409, "in_progress", "a webhook with this webhook-id is being processed; retry later");
  r.headers.set("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

}  // namespace caas::ingress::responses
