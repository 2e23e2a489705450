#include "handlers/handler_base.hpp"

#include <caas/events/time.hpp>

#include <chrono>

namespace caas::ota {

std::int64_t envelope_ms(const events::Envelope& e) {
  auto t = events::parse_rfc3339(e.time);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

}  // namespace caas::ota
