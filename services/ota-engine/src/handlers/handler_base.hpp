#pragma once
// What every handler of the main processor shares: the step context, the
// work staged for after the commit, and "now" = the record's own time.

#include "handlers/activation_step.hpp"

#include <caas/events/envelope.hpp>
#include <caas/observability/logger.hpp>
#include <caas/service/event_processor.hpp>

namespace caas::ota {

/// The envelope time in ms since the epoch (0 when unparsable): the instant
/// every decision of this record uses, so a replay decides the same.
std::int64_t envelope_ms(const events::Envelope& e);

struct HandlerDeps {
  StepContext ctx;
  observability::Logger log;
};

}  // namespace caas::ota
