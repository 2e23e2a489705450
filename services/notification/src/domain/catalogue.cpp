#include "domain/catalogue.hpp"

#include <caas/events/json_util.hpp>

#include <algorithm>
#include <system_error>

namespace caas::notification {

namespace json = caas::events::json;

std::string_view to_string(Channel c) noexcept {
  switch (c) {
    case Channel::email:
      return "email";
    case Channel::push:
      return "push";
    case Channel::vehicle_display:
      return "vehicle_display";
  }
  return "unknown";
}

std::optional<Channel> parse_channel(std::string_view s) noexcept {
  for (auto c : kAllChannels) {
    if (to_string(c) == s) return c;
  }
  return std::nullopt;
}

std::string_view to_string(Language l) noexcept {
  return l == Language::es ? "es" : "en";
}

std::optional<Language> parse_language(std::string_view s) noexcept {
  for (auto l : kAllLanguages) {
    if (to_string(l) == s) return l;
  }
  return std::nullopt;
}

namespace {

constexpr Channel kEmail = Channel::email;
constexpr Channel kPush = Channel::push;

const std::vector<NotificationKind> kCatalogue = {
    {"order_confirmed", {kEmail, kPush}, {"order_number", "order_id"}},
    {"factory_submission_delayed", {kEmail, kPush}, {"order_number", "order_id"}},
    {"manufacturing_started", {kEmail, kPush}, {"order_number", "order_id"}},
    {"assembly_completed", {kEmail, kPush}, {"order_number", "order_id"}},
    {"quality_control_completed", {kEmail, kPush}, {"order_number", "order_id"}},
    {"vehicle_shipped", {kEmail, kPush}, {"order_number", "order_id"}},
    {"arrived_payment_reminder", {kEmail, kPush}, {"order_number", "order_id", "payment_deadline"}},
    {"delivery_scheduled", {kEmail, kPush}, {"order_number", "order_id"}},
    {"registration_completed", {kEmail, kPush}, {"order_number", "order_id"}},
    {"vehicle_delivered", {kEmail, kPush}, {"order_number", "order_id"}},
    {"order_unassigned", {kEmail, kPush}, {"order_number", "order_id"}},
    {"order_cancelled", {kEmail, kPush}, {"order_number", "order_id"}},
    // Shown on the car's own screen once it is the customer's (API IoT).
    {"vehicle_welcome", {Channel::vehicle_display}, {"order_number", "order_id", "vin"}},
    // OTA outcomes (caas.ota.events.v1, seed 004 "Notification Channels" and
    // "Failure Escalation"): success on every channel, the car's display
    // included; a failure by e-mail and push, with an apology and the
    // resolution time promised by support.
    {"service_activated",
     {kEmail, kPush, Channel::vehicle_display},
     {"service_name", "service_code", "vin", "activation_id"}},
    {"service_activation_failed",
     {kEmail, kPush},
     {"service_name", "service_code", "vin", "activation_id", "ticket_id", "resolution_hours"}},
    {"service_deactivated", {kEmail, kPush}, {"service_name", "service_code", "vin", "activation_id"}},
    {"service_deactivation_failed",
     {kEmail, kPush},
     {"service_name", "service_code", "vin", "activation_id", "ticket_id", "resolution_hours"}},
};

// order.status-changed new_state -> kind, for the transitions the order
// service marks customer_milestone (it owns that decision).
const std::map<std::string_view, std::string_view> kMilestoneKinds = {
    {"ORDERED", "order_confirmed"},
    {"FACTORY_SUBMISSION_FAILED", "factory_submission_delayed"},
    {"IN_PRODUCTION", "manufacturing_started"},
    {"ASSEMBLY_COMPLETE", "assembly_completed"},
    {"READY_FOR_SHIPMENT", "quality_control_completed"},
    {"SHIPPED", "vehicle_shipped"},
    {"ARRIVED_AT_DEALERSHIP", "arrived_payment_reminder"},
    {"READY_FOR_DELIVERY", "delivery_scheduled"},
    {"REGISTERED", "registration_completed"},
    {"DELIVERED", "vehicle_delivered"},
    {"UNASSIGNED", "order_unassigned"},
};

Error contract_error(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

// "2026-12-06T10:00:00.000Z" -> "2026-12-06": customers get the day.
std::string day_of(const std::string& rfc3339) {
  return rfc3339.size() >= 10 ? rfc3339.substr(0, 10) : rfc3339;
}

}  // namespace

const std::vector<NotificationKind>& catalogue() {
  return kCatalogue;
}

const NotificationKind* find_kind(std::string_view type) noexcept {
  auto it = std::find_if(kCatalogue.begin(), kCatalogue.end(), [&](const auto& k) { return k.type == type; });
  return it == kCatalogue.end() ? nullptr : &*it;
}

namespace {

Result<std::optional<Trigger>> with_required_variables(Trigger t, std::string_view event_type) {
  for (auto name : t.kind->variables) {
    auto v = t.variables.find(std::string(name));
    if (v == t.variables.end() || v->second.empty()) {
      return contract_error(std::string(event_type) + " for " + std::string(t.kind->type) + " lacks " +
                            std::string(name));
    }
  }
  return std::optional<Trigger>{std::move(t)};
}

Result<std::optional<Trigger>> order_trigger(const events::Envelope& event, const rapidjson::Value& data) {
  std::string_view kind_type;
  if (event.type == "order.status-changed") {
    if (!json::boolean(data, "customer_milestone")) return std::optional<Trigger>{};
    auto it = kMilestoneKinds.find(json::str(data, "new_state"));
    if (it == kMilestoneKinds.end()) return std::optional<Trigger>{};
    kind_type = it->second;
  } else if (event.type == "order.cancelled") {
    kind_type = "order_cancelled";
  } else if (event.type == "order.delivered") {
    kind_type = "vehicle_welcome";
  } else {
    return std::optional<Trigger>{};
  }
  Trigger t;
  t.kind = find_kind(kind_type);
  t.customer_id = json::str(data, "customer_id");
  t.order_id = json::str(data, "order_id");
  if (t.customer_id.empty() || t.order_id.empty()) {
    return contract_error(std::string(event.type) + " without customer_id or order_id");
  }
  t.variables["order_id"] = t.order_id;
  t.variables["order_number"] = json::str(data, "order_number");
  if (auto deadline = json::str(data, "payment_deadline"); !deadline.empty()) {
    t.variables["payment_deadline"] = day_of(deadline);
  }
  if (auto vin = json::str(data, "vin"); !vin.empty()) t.variables["vin"] = vin;
  return with_required_variables(std::move(t), event.type);
}

// ota.activated / ota.deactivated / ota.escalated: the outcome of one
// activation (or deactivation). Intermediate OTA events are not news.
Result<std::optional<Trigger>> ota_trigger(const events::Envelope& event, const rapidjson::Value& data) {
  std::string_view kind_type;
  if (event.type == "ota.activated") {
    kind_type = "service_activated";
  } else if (event.type == "ota.deactivated") {
    kind_type = "service_deactivated";
  } else if (event.type == "ota.escalated") {
    const auto operation = json::str(data, "operation");
    if (operation == "activation") {
      kind_type = "service_activation_failed";
    } else if (operation == "deactivation") {
      kind_type = "service_deactivation_failed";
    } else {
      return contract_error("ota.escalated with operation '" + operation + "'");
    }
  } else {
    return std::optional<Trigger>{};
  }
  Trigger t;
  t.kind = find_kind(kind_type);
  t.customer_id = json::str(data, "customer_id");
  t.activation_id = json::str(data, "activation_id");
  if (t.customer_id.empty() || t.activation_id.empty()) {
    return contract_error(std::string(event.type) + " without customer_id or activation_id");
  }
  t.variables["activation_id"] = t.activation_id;
  for (const char* name : {"vin", "service_code", "service_name", "ticket_id"}) {
    if (auto v = json::str(data, name); !v.empty()) t.variables[name] = v;
  }
  if (auto hours = json::int64(data, "resolution_hours"); hours && *hours > 0) {
    t.variables["resolution_hours"] = std::to_string(*hours);
  }
  return with_required_variables(std::move(t), event.type);
}

}  // namespace

Result<std::optional<Trigger>> trigger_for(const events::Envelope& event, const rapidjson::Value& data) {
  if (event.type.rfind("ota.", 0) == 0) return ota_trigger(event, data);
  return order_trigger(event, data);
}

}  // namespace caas::notification
