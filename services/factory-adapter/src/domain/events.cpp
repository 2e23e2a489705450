#include "domain/events.hpp"

#include "domain/json.hpp"

namespace caas::factory {

namespace {
// Schema bounds: keep free text within the maxLength of its field.
std::string clip(std::string_view s, std::size_t max) {
  return std::string(s.substr(0, max));
}
}  // namespace

std::string order_placed_data(std::string_view order_id, const Created& c, int attempts) {
  events::json::Writer j;
  j.begin_object()
      .field("order_id", order_id)
      .field("factory_order_id", c.factory_order_id)
      .field("status", c.status)
      .field("estimated_delivery_date", c.estimated_delivery_date)
      .field("manufacturing_location", clip(c.manufacturing_location, 256))
      .field("created_at", c.created_at)
      .field("attempts", attempts < 1 ? 1 : attempts)
      .end_object();
  return j.str();
}

std::string order_rejected_data(std::string_view order_id, const Rejected& r, int attempts, std::string_view at) {
  events::json::Writer j;
  j.begin_object()
      .field("order_id", order_id)
      .field("http_status", r.http_status)
      .field("error_code", clip(r.error_code.empty() ? "UNKNOWN" : r.error_code, 128))
      .field("message", clip(r.message, 2048));
  if (!r.field.empty()) j.field("field", clip(r.field, 256));
  j.field("attempts", attempts < 1 ? 1 : attempts).field("rejected_at", at).end_object();
  return j.str();
}

std::string submission_failed_data(const SubmissionFailure& f) {
  events::json::Writer j;
  j.begin_object().field("order_id", f.order_id).field("error_class", resilience::to_string(f.error_class));
  if (f.http_status >= 100 && f.http_status <= 599) j.field("http_status", f.http_status);
  j.field("attempts", f.attempts < 1 ? 1 : f.attempts)
      .field("last_error", clip(f.last_error, 2048))
      .field("critical", f.critical)
      .field_if("ticket_id", f.ticket_id)
      .field("failed_at", f.failed_at)
      .end_object();
  return j.str();
}

std::string status_changed_data(std::string_view order_id, std::string_view factory_order_id, const StatusEntry& entry,
                                std::optional<FactoryStatus> previous, const StatusDetails& details) {
  events::json::Writer j;
  j.begin_object()
      .field("order_id", order_id)
      .field("factory_order_id", factory_order_id)
      .field("status", to_string(entry.status));
  j.key("previous_status");
  if (previous) {
    j.value(to_string(*previous));
  } else {
    j.null();
  }
  j.field("timestamp", entry.timestamp)
      .field_if("estimated_completion_date", details.estimated_completion_date)
      .field_if("notes", clip(details.notes, 2048))
      .field_if("location", clip(details.location, 256))
      .field("source", entry.source)
      .field("applied", entry.applied)
      .field_if("ingress_event_id", entry.ingress_event_id)
      .end_object();
  return j.str();
}

std::string discrepancy_data(const DiscrepancyFound& d) {
  events::json::Writer j;
  j.begin_object()
      .field("order_id", d.order_id)
      .field("factory_order_id", d.factory_order_id)
      .field("caas_status", to_string(d.caas_status))
      .field("factory_status", to_string(d.factory_status))
      .field("detected_by", d.detected_by)
      .field("action", d.action)
      .field("detected_at", d.detected_at)
      .field_if("details", clip(d.details, 2048))
      .end_object();
  return j.str();
}

std::string ticket_data(const Ticket& t) {
  events::json::Writer j;
  j.begin_object()
      .field("ticket_id", t.ticket_id)
      .field("category", t.category)
      .field("severity", t.severity)
      .field("title", clip(t.title, 256))
      .field("description", clip(t.description, 8192))
      .field_if("order_id", t.order_id)
      .field_if("factory_order_id", t.factory_order_id)
      .field_if("customer_id", t.customer_id)
      .field("opened_by", "factory-adapter")
      .field("opened_at", t.opened_at)
      .end_object();
  return j.str();
}

namespace {
std::string placement_ticket_category(PlacementAction action) {
  return action == PlacementAction::auth_failed ? "factory-auth-failure" : "factory-submission-failed";
}
}  // namespace

std::string placement_ticket_id(PlacementAction action, std::string_view order_id, std::string_view idempotency_key) {
  return "TCK-" + derive_event_id("ticket/" + placement_ticket_category(action),
                                  std::string(order_id) + "\n" + std::string(idempotency_key));
}

Ticket placement_ticket(PlacementAction action, std::string_view order_id, std::string_view idempotency_key,
                        std::string_view customer_id, std::string_view why, int attempts, std::string_view at) {
  Ticket t;
  const bool auth = action == PlacementAction::auth_failed;
  t.category = placement_ticket_category(action);
  t.severity = auth ? "critical" : "high";
  t.ticket_id = placement_ticket_id(action, order_id, idempotency_key);
  switch (action) {
    case PlacementAction::auth_failed:
      t.title = "Factory API refused our credentials: escalate to the integration team";
      break;
    case PlacementAction::rejected:
      t.title = "Factory rejected order " + std::string(order_id) + ": fix the data and resubmit manually";
      break;
    default:
      t.title = "Factory order " + std::string(order_id) + " not placed after retries: place it manually";
      break;
  }
  t.description = "Placement of order " + std::string(order_id) + " gave up after " + std::to_string(attempts) +
                  " attempt(s): " + std::string(why) + ". The customer's reservation stays valid.";
  t.order_id = std::string(order_id);
  t.customer_id = std::string(customer_id);
  t.opened_at = std::string(at);
  return t;
}

}  // namespace caas::factory
