#include "handlers/delivery_handler.hpp"

#include "domain/catalogue.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/events/time.hpp>

#include <chrono>

namespace caas::ota {

namespace json = caas::events::json;
using service::HandlerOutcome;

HandlerOutcome DeliveryHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  if (e.envelope.type != "order.delivered") return HandlerOutcome::applied();
  auto data = events::parse_strict_json(e.envelope.data);
  if (!data || !data->IsObject()) return HandlerOutcome::permanent("order.delivered data is not an object");
  const auto vin = json::str(*data, "vin");
  const auto customer = json::str(*data, "customer_id");
  if (vin.empty() || customer.empty()) return HandlerOutcome::permanent("order.delivered without vin/customer");
  std::int64_t since = 0;
  if (auto t = events::parse_rfc3339(json::str(*data, "delivered_at"))) {
    since = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  }
  auto owner = store_.owner(vin).value_or(Owner{});
  if (owner.since_ms > since) return HandlerOutcome::applied();  // a later owner is already known
  owner.customer_id = customer;
  owner.since_ms = since;
  const auto platform = json::str(*data, "platform_base");
  if (catalogue_.knows_platform(platform)) owner.platform = platform;
  txn.put(keys::owner(vin), encode(owner));
  log_.info("vehicle owner recorded", {{"vin", vin}, {"customer_id", customer}});
  return HandlerOutcome::applied();
}

}  // namespace caas::ota
