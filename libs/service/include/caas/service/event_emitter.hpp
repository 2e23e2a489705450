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

namespace caas::service {

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

class EventEmitter {
 public:
  /// `source` is the CloudEvents source of everything emitted ("caas/<service>").
  EventEmitter(const events::SchemaRegistry& schemas, events::Clock clock, std::string source)
      : schemas_(schemas), clock_(std::move(clock)), source_(std::move(source)) {}
  /// `at_ms` becomes the envelope `time`: the caller passes the instant it
  /// also wrote into the store, so a projection of the service's own log
  /// (which only sees the envelope) derives exactly the same record.
  Result<kafka::Record> make(const OutboundEvent& e, std::int64_t at_ms) const;
  std::int64_t now_ms() const;
  /// RFC 3339 (milliseconds) of a time from now_ms().
  static std::string rfc3339(std::int64_t ms);
  const events::Clock& clock() const { return clock_; }

 private:
  const events::SchemaRegistry& schemas_;
  events::Clock clock_;
  std::string source_;
};

}  // namespace caas::service
