#include "caas/sim/webhook_attempt.hpp"

#include <caas/resilience/retry.hpp>

namespace caas::sim {

http::ClientOptions webhook_client_options(std::chrono::milliseconds timeout, std::string user_agent) {
  http::ClientOptions o;
  o.connect_timeout = timeout;
  o.request_timeout = timeout;
  o.max_idle_time = std::chrono::seconds(5);
  o.user_agent = std::move(user_agent);
  return o;
}

AttemptResult classify_attempt(const Result<http::Response>& r) {
  if (!r)
    return {std::nullopt, std::nullopt, r.error().code == http::ClientErrc::timeout ? "timeout" : "network_error"};
  std::optional<std::chrono::milliseconds> retry_after;
  if (auto h = r->headers.get("Retry-After")) retry_after = resilience::parse_retry_after(*h);
  return {r->status, retry_after, std::to_string(r->status)};
}

}  // namespace caas::sim
