#pragma once
// One webhook delivery attempt as every simulated partner's sender sees it:
// the client settings of a sender (a timeout on every attempt, pooled
// connections dropped before a server's idle timeout) and the attempt's
// result reduced to what a retry verdict needs.

#include <caas/core/result.hpp>
#include <caas/http/client.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace caas::sim {

/// Connect and request both bounded by `timeout`. Pooled connections are
/// dropped after 5 s, well before a server's idle timeout: a POST on a
/// connection the server already closed is not retried by the client (it
/// counts as a failed attempt and is retried by the sender).
http::ClientOptions webhook_client_options(std::chrono::milliseconds timeout, std::string user_agent);

struct AttemptResult {
  std::optional<int> status;  // nullopt: no answer
  std::optional<std::chrono::milliseconds> retry_after;
  std::string label;  // "200", "503", "timeout", "network_error"
};

/// The HTTP status and Retry-After of an answer, or "timeout" /
/// "network_error" when there was none.
AttemptResult classify_attempt(const Result<http::Response>& r);

}  // namespace caas::sim
