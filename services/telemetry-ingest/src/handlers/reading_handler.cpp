#include "handlers/reading_handler.hpp"

namespace caas::telemetry {

using service::HandlerOutcome;

namespace {
std::string_view verdict_name(SeqVerdict v) {
  switch (v) {
    case SeqVerdict::fresh:
      return "fresh";
    case SeqVerdict::out_of_order:
      return "out_of_order";
    case SeqVerdict::duplicate:
      return "duplicate";
    case SeqVerdict::too_old:
      return "too_old";
  }
  return "fresh";
}
}  // namespace

ReadingHandler::ReadingHandler(TelemetryStore& store, const Policy& policy, const Limits& limits,
                               const service::EventEmitter& emitter, Probe& probe, VehicleGuard& guard,
                               observability::Logger log)
    : store_(store),
      policy_(policy),
      limits_(limits),
      emitter_(emitter),
      probe_(probe),
      guard_(guard),
      log_(std::move(log)) {}

HandlerOutcome ReadingHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  staged_verdict_ = {};
  staged_events_.clear();
  auto reading = parse_reading(e.envelope.data);
  if (!reading) return HandlerOutcome::permanent(reading.error().message);
  if (!e.record.key().empty() && e.record.key() != reading->vin) {
    return HandlerOutcome::permanent("record key is not the reading's vin");
  }
  guard_.begin(reading->vin);  // until committed(): the sweeper leaves this vehicle alone
  const auto before = store_.vehicle(reading->vin);
  const auto outcome =
      apply_reading(before ? std::optional(before->state) : std::nullopt, *reading, policy_, e.record.partition());
  staged_verdict_ = verdict_name(outcome.verdict);
  staged_received_ms_ = reading->received_ms;
  if (outcome.verdict == SeqVerdict::duplicate || outcome.verdict == SeqVerdict::too_old) {
    return HandlerOutcome::applied();  // nothing to write but the offset
  }
  StageContext ctx{store_, emitter_, limits_, e.envelope.correlationid, e.envelope.id};
  auto written = stage_outcome(ctx, txn, before, outcome, &*reading);
  if (!written) {
    log_.error("a vehicle event failed its schema (bug)", {{"vin", reading->vin}, {"error", written.error().message}});
    return HandlerOutcome::permanent("emitted event failed its schema: " + written.error().message);
  }
  for (const auto& ev : outcome.events) staged_events_.push_back(ev.type);
  if (!outcome.events.empty()) {
    log_.debug("vehicle events", {{"vin", reading->vin},
                                  {"seq", static_cast<std::int64_t>(reading->seq)},
                                  {"events", static_cast<std::int64_t>(outcome.events.size())}});
  }
  return HandlerOutcome::applied();
}

void ReadingHandler::committed() {
  guard_.end();
  if (staged_verdict_.empty()) return;
  probe_.reading(staged_verdict_);
  for (auto type : staged_events_) probe_.emitted(type);
  const double lag = static_cast<double>(emitter_.now_ms() - staged_received_ms_) / 1000.0;
  probe_.lag.with({}).Observe(std::max(0.0, lag));
  staged_verdict_ = {};
  staged_events_.clear();
}

}  // namespace caas::telemetry
