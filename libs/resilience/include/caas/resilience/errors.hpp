#pragma once
// Error codes a caller reports when it gives up because of this library
// (open breaker, retries exhausted, deadline), so HTTP layers and DLQ writers
// can map them without string matching.

#include <system_error>

namespace caas::resilience {

enum class ResilienceErrc {
  circuit_open = 1,   // breaker refused the call
  retries_exhausted,  // the error class's retry budget is used up
  deadline_exceeded,  // the next delay would cross the overall deadline
  not_retriable,      // the error class is never retried (400, 401/403)
};

const std::error_category& resilience_category() noexcept;
std::error_code make_error_code(ResilienceErrc e) noexcept;

}  // namespace caas::resilience

template <>
struct std::is_error_code_enum<caas::resilience::ResilienceErrc> : std::true_type {};
