#pragma once
// The adapter's events: the platform's EventEmitter with source caas/factory-adapter.

#include "domain/events.hpp"

#include <caas/service/event_emitter.hpp>

namespace caas::factory {

using service::OutboundEvent;

class Emitter : public service::EventEmitter {
 public:
  Emitter(const events::SchemaRegistry& schemas, events::Clock clock)
      : EventEmitter(schemas, std::move(clock), std::string(kEventSource)) {}
};

}  // namespace caas::factory
