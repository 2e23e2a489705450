#include "handlers/command_status_handler.hpp"

namespace caas::ota {

using service::HandlerOutcome;

HandlerOutcome CommandStatusHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged) {
  auto rec = parse_ack(e.envelope.data);
  if (!rec) return HandlerOutcome::permanent("command status data unreadable");
  auto split = split_command_id(rec->ack.command_id);
  if (!split) return HandlerOutcome::applied();  // not one of ours
  const auto& [id, attempt] = *split;
  const auto now = envelope_ms(e.envelope);
  VehicleStep step(deps_.ctx, rec->vin.empty() ? std::string(e.record.key()) : rec->vin, now);
  auto* a = step.activation(id);
  if (!a) return HandlerOutcome::not_yet_known("activation " + id + " not known yet");
  if (terminal(a->state) && attempt <= static_cast<int>(a->attempts.size())) return HandlerOutcome::applied();
  if (attempt > static_cast<int>(a->attempts.size())) {
    return HandlerOutcome::not_yet_known("attempt " + std::to_string(attempt) + " of " + id + " not recorded yet");
  }
  step.take(*a, deps_.ctx.engine.on_ack(*a, step.vehicle(), rec->ack, attempt, now));
  auto written = step.write(txn, e.envelope.correlationid, e.envelope.id, staged);
  if (!written) return HandlerOutcome::permanent("emitted event failed its schema: " + written.error().message);
  deps_.log.debug("acknowledgement applied", {{"vin", rec->vin},
                                              {"command_id", rec->ack.command_id},
                                              {"result", rec->ack.result},
                                              {"state", std::string(to_string(a->state))}});
  return HandlerOutcome::applied();
}

}  // namespace caas::ota
