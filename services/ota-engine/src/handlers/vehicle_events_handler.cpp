#include "handlers/vehicle_events_handler.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

namespace caas::ota {

namespace json = caas::events::json;
using service::HandlerOutcome;

HandlerOutcome VehicleEventsHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged) {
  const auto& type = e.envelope.type;
  if (type != "vehicle.online" && type != "vehicle.offline" && type != "vehicle.configuration-reported") {
    return HandlerOutcome::applied();
  }
  auto data = events::parse_strict_json(e.envelope.data);
  if (!data || !data->IsObject()) return HandlerOutcome::permanent(type + " data is not an object");
  const auto vin = json::str(*data, "vin");
  if (vin.empty()) return HandlerOutcome::permanent(type + " without vin");
  const auto now = envelope_ms(e.envelope);
  VehicleStep step(deps_.ctx, vin, now);
  auto& v = step.vehicle();
  auto* head = step.head();
  if (type == "vehicle.online") {
    v.online = true;
    v.connectivity_changed_ms = now;
    if (head) step.take(*head, deps_.ctx.engine.on_online(*head, v, now));
  } else if (type == "vehicle.offline") {
    v.online = false;
    v.connectivity_changed_ms = now;
  } else {
    const auto* params = json::member(*data, "parameters");
    auto reported = params ? params_from_json(*params) : std::nullopt;
    if (!reported) return HandlerOutcome::applied();  // nothing comparable
    if (head) {
      step.take(*head, deps_.ctx.engine.on_configuration(*head, v, *reported, now));
    } else {
      for (const auto& [k, val] : *reported) v.reported[k] = val;
      v.reported_at_ms = now;
    }
  }
  step.touch_vehicle();
  auto written = step.write(txn, e.envelope.correlationid, e.envelope.id, staged);
  if (!written) return HandlerOutcome::permanent("emitted event failed its schema: " + written.error().message);
  return HandlerOutcome::applied();
}

}  // namespace caas::ota
