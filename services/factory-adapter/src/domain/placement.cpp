#include "domain/placement.hpp"

namespace caas::factory {

using resilience::ErrorClass;

std::string_view to_string(PlacementAction a) noexcept {
  switch (a) {
    case PlacementAction::placed:
      return "placed";
    case PlacementAction::rejected:
      return "rejected";
    case PlacementAction::auth_failed:
      return "auth_failed";
    case PlacementAction::retry:
      return "retry";
    case PlacementAction::exhausted:
      return "exhausted";
  }
  return "exhausted";
}

ErrorClass error_class_of(const PlaceResult& result) noexcept {
  if (std::holds_alternative<Rejected>(result)) return ErrorClass::client_error;
  if (std::holds_alternative<AuthFailed>(result)) return ErrorClass::auth;
  if (const auto* t = std::get_if<Transient>(&result)) return t->kind;
  return ErrorClass::unknown;
}

int http_status_of(const PlaceResult& result) noexcept {
  if (const auto* r = std::get_if<Rejected>(&result)) return r->http_status;
  if (const auto* a = std::get_if<AuthFailed>(&result)) return a->http_status;
  if (const auto* t = std::get_if<Transient>(&result)) return t->http_status;
  return 201;
}

std::string describe(const PlaceResult& result) {
  if (const auto* r = std::get_if<Rejected>(&result)) {
    return "HTTP " + std::to_string(r->http_status) + " " + r->error_code + ": " + r->message +
           (r->field.empty() ? "" : " (field " + r->field + ")");
  }
  if (const auto* a = std::get_if<AuthFailed>(&result)) {
    return "HTTP " + std::to_string(a->http_status) + ": " + a->message;
  }
  if (const auto* t = std::get_if<Transient>(&result)) {
    return std::string(resilience::to_string(t->kind)) + ": " + t->message;
  }
  return "";
}

PlacementDecision decide_placement(const PlaceResult& result, int attempts, std::chrono::milliseconds elapsed,
                                   const resilience::RetryPolicy& policy) {
  PlacementDecision d;
  d.error_class = error_class_of(result);
  if (std::holds_alternative<Created>(result)) {
    d.action = PlacementAction::placed;
    d.reason = "created";
    return d;
  }
  std::optional<std::chrono::milliseconds> retry_after;
  if (const auto* t = std::get_if<Transient>(&result)) retry_after = t->retry_after;
  const auto next = policy.next(d.error_class, attempts, elapsed, retry_after);
  d.reason = next.reason + " (" + describe(result) + ")";
  if (next.retry) {
    d.action = PlacementAction::retry;
    d.delay = next.delay;
    return d;
  }
  d.critical = next.critical;
  if (std::holds_alternative<AuthFailed>(result)) {
    d.action = PlacementAction::auth_failed;
    d.critical = true;
  } else if (std::holds_alternative<Rejected>(result)) {
    d.action = PlacementAction::rejected;
  } else {
    d.action = PlacementAction::exhausted;
  }
  return d;
}

resilience::RetryPolicy make_placement_policy(const PlacementRetrySettings& s) {
  resilience::FactoryRetryOptions o;
  o.time_scale = static_cast<double>(s.initial_delay.count()) / 1000.0;
  o.jitter = s.jitter;
  // FactoryRetryOptions durations are in seed time (scaled afterwards), so
  // convert the operator's real values back to seed time.
  const double inv = o.time_scale > 0 ? 1.0 / o.time_scale : 1.0;
  o.max_delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(s.max_delay.count()) * inv));
  o.deadline = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(s.deadline.count()) * inv));
  return resilience::factory_order_placement_policy(o);
}

}  // namespace caas::factory
