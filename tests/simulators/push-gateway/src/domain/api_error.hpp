#pragma once
// The gateway's error body: {"error":"<CODE>","message":"…"} plus "field" for
// INVALID_REQUEST (the JSON path of the first bad member, "" when the body is
// not JSON at all). One shape for every error of /v1, so a client parses one
// format.

#include <optional>
#include <string>

namespace caas::push_sim {

struct ApiError {
  int status = 400;
  std::string error;  // UNAUTHORIZED, FORBIDDEN, INVALID_REQUEST, IDEMPOTENCY_KEY_REUSED, ...
  std::string message;
  std::optional<std::string> field;  // written when set, even if empty

  /// {"error":…,"message":…[,"field":…]}
  std::string to_json() const;
};

inline ApiError invalid_request(std::string field, std::string message) {
  return {400, "INVALID_REQUEST", std::move(message), std::move(field)};
}

/// 429 and 503 carry `Retry-After: 1` (the gateway's back-off hint).
inline bool carries_retry_after(int status) {
  return status == 429 || status == 503;
}

}  // namespace caas::push_sim
