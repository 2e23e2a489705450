#include "handlers/ownership_handler.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/events/time.hpp>

namespace caas::telemetry {

namespace json = caas::events::json;
using service::HandlerOutcome;

HandlerOutcome OwnershipHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  if (e.envelope.type != "order.delivered") return HandlerOutcome::applied();
  auto data = events::parse_strict_json(e.envelope.data);
  if (!data || !data->IsObject()) return HandlerOutcome::permanent("order.delivered data is not a JSON object");
  Owner owner{json::str(*data, "customer_id"), json::str(*data, "order_id"), json::str(*data, "delivered_at")};
  const auto vin = json::str(*data, "vin");
  if (vin.empty() || owner.customer_id.empty())
    return HandlerOutcome::permanent("order.delivered without vin/customer");
  if (auto current = store_.owner(vin)) {
    auto old_at = events::parse_rfc3339(current->delivered_at);
    auto new_at = events::parse_rfc3339(owner.delivered_at);
    if (old_at && new_at && *new_at < *old_at) return HandlerOutcome::applied();  // an earlier sale
  }
  txn.put(keys::owner(vin), encode_owner(owner));
  log_.info("vehicle owner recorded", {{"vin", vin}, {"customer_id", owner.customer_id}, {"order_id", owner.order_id}});
  return HandlerOutcome::applied();
}

}  // namespace caas::telemetry
