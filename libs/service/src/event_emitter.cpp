#include "caas/service/event_emitter.hpp"

#include <caas/events/envelope.hpp>

namespace caas::service {

std::int64_t EventEmitter::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

std::string EventEmitter::rfc3339(std::int64_t ms) {
  return format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

Result<kafka::Record> EventEmitter::make(const OutboundEvent& e, std::int64_t at_ms) const {
  const std::string id = e.event_id;
  const std::string correlation = e.correlation_id.empty() ? id : std::string(e.correlation_id);
  const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(at_ms));
  auto env = events::make_envelope(
      e.type, source_, e.key, e.data, correlation, e.causation_id, [at] { return at; }, [&id] { return id; });
  if (!env) return env.error();
  if (auto valid = schemas_.validate(*env); !valid) return valid.error();
  kafka::Record record;
  record.topic = std::string(e.topic);
  record.key = std::string(e.key);
  record.value = events::serialize(*env);
  for (auto& [k, v] : events::kafka_headers(*env)) record.headers.push_back({k, v});
  return record;
}

}  // namespace caas::service
