#pragma once
// Turns event data into validated outbox records: CloudEvents envelope with a
// deterministic id, ce_* headers, schema check before anything is enqueued
// (a record the relay could not produce would block the outbox).

#include <caas/core/result.hpp>
#include <caas/events/schema_registry.hpp>
#include <caas/events/time.hpp>
#include <caas/kafka/record.hpp>

#include <string>
#include <string_view>

namespace caas::factory {

/// Owns its strings: events are collected first and enqueued together, after
/// the locals they were built from are gone.
struct OutboundEvent {
  std::string_view topic;  // one of the topic constants
  std::string_view type;   // a literal
  std::string key;
  std::string data;
  std::string event_id;
  std::string correlation_id;  // falls back to the event id when empty
  std::string causation_id;
};

class Emitter {
 public:
  Emitter(const events::SchemaRegistry& schemas, events::Clock clock) : schemas_(schemas), clock_(std::move(clock)) {}
  Result<kafka::Record> make(const OutboundEvent& e) const;
  std::string now_rfc3339() const { return format_rfc3339(clock_()); }
  std::int64_t now_ms() const;
  const events::Clock& clock() const { return clock_; }

 private:
  const events::SchemaRegistry& schemas_;
  events::Clock clock_;
};

}  // namespace caas::factory
