#include "api/notification_api.hpp"

#include "domain/notification_events.hpp"
#include "domain/preferences.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/json_util.hpp>

#include <charconv>

namespace caas::notification {

namespace json = caas::events::json;
using http::error_response;
using http::Request;
using http::Response;

namespace {

std::optional<std::size_t> parse_size(const std::string& s, std::size_t max) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

Response invalid(const std::string& field, const std::string& message) {
  return error_response(400, "invalid_request", message, {{"field", field}});
}

}  // namespace

NotificationApi::NotificationApi(NotificationStore& store, service::Authenticator auth,
                                 const service::EventEmitter& emitter, observability::Logger log,
                                 std::function<void(const std::string&)> on_preferences_changed)
    : store_(store),
      auth_(std::move(auth)),
      emitter_(emitter),
      log_(std::move(log)),
      on_preferences_changed_(std::move(on_preferences_changed)) {}

void NotificationApi::add_routes(http::Router& router) {
  router.add_sync("GET", "/api/v1/customers/{customer_id}/notifications",
                  [this](const Request& r) { return list_notifications(r); });
  router.add_sync("GET", "/api/v1/customers/{customer_id}/preferences",
                  [this](const Request& r) { return get_preferences(r); });
  router.add_sync("PUT", "/api/v1/customers/{customer_id}/preferences",
                  [this](const Request& r) { return put_preferences(r); });
}

std::variant<security::Principal, Response> NotificationApi::authorize(const Request& req) const {
  auto who = auth_.authenticate(req);
  if (!who) {
    auto r = error_response(401, "unauthenticated", who.error().message);
    r.headers.set("WWW-Authenticate", "Bearer");
    return r;
  }
  const auto customer = std::string(req.param("customer_id"));
  if (customer.empty() || customer.size() > 128) return invalid("customer_id", "1 to 128 characters");
  switch (who->role) {
    case security::Role::admin:
    case security::Role::operator_:
    case security::Role::system:
      return *who;
    case security::Role::customer:
      if (who->subject == customer) return *who;
      return error_response(403, "forbidden", "a customer sees only their own notifications");
    case security::Role::dealer:
      break;
  }
  return error_response(403, "forbidden", "dealers have no access to customer notifications");
}

Response NotificationApi::list_notifications(const Request& req) const {
  auto who = authorize(req);
  if (auto* denied = std::get_if<Response>(&who)) return std::move(*denied);
  HistoryQuery q;
  if (auto v = req.query("limit")) {
    auto n = parse_size(*v, 500);
    if (!n || *n == 0) return invalid("limit", "an integer from 1 to 500");
    q.limit = *n;
  }
  if (auto v = req.query("offset")) {
    auto n = parse_size(*v, 10'000'000);
    if (!n) return invalid("offset", "a non-negative integer");
    q.offset = *n;
  }
  if (auto v = req.query("channel")) {
    q.channel = parse_channel(*v);
    if (!q.channel) return invalid("channel", "email, push or vehicle_display");
  }
  if (auto v = req.query("status")) {
    q.status = parse_delivery_status(*v);
    if (!q.status) return invalid("status", "pending, sent or failed");
  }
  if (auto v = req.query("type")) {
    if (!find_kind(*v)) return invalid("type", "not a notification type");
    q.type = *v;
  }
  if (auto v = req.query("order_id")) q.order_id = *v;
  if (auto v = req.query("activation_id")) q.activation_id = *v;
  if (auto v = req.query("sort")) {
    if (*v != "created_at" && *v != "-created_at") return invalid("sort", "created_at or -created_at");
    q.newest_first = *v == "-created_at";
  }
  const auto customer = std::string(req.param("customer_id"));
  const auto page = store_.history(customer, q);
  json::Writer w;
  w.begin_object().field("customer_id", customer).field("total", static_cast<std::int64_t>(page.total));
  w.field("limit", static_cast<std::int64_t>(q.limit)).field("offset", static_cast<std::int64_t>(q.offset));
  w.key("items").begin_array();
  for (const auto& r : page.items) w.raw(encode(r));
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response NotificationApi::get_preferences(const Request& req) const {
  auto who = authorize(req);
  if (auto* denied = std::get_if<Response>(&who)) return std::move(*denied);
  const auto customer = std::string(req.param("customer_id"));
  auto profile = store_.profile(customer);
  if (!profile) {
    return error_response(404, "not_found", "no preferences for this customer: notifications use the defaults",
                          {{"customer_id", customer}});
  }
  return Response::json(200, profile_json(*profile));
}

Response NotificationApi::put_preferences(const Request& req) {
  auto who = authorize(req);
  if (auto* denied = std::get_if<Response>(&who)) return std::move(*denied);
  const auto& principal = std::get<security::Principal>(who);
  if (auto ct = req.header("Content-Type"); !ct || ct->substr(0, 16) != "application/json") {
    return error_response(415, "unsupported_media_type", "send the body as application/json");
  }
  const auto customer = std::string(req.param("customer_id"));
  auto parsed = parse_preferences_request(req.body, customer);
  if (auto* bad = std::get_if<InvalidField>(&parsed)) return invalid(bad->field, bad->message);
  auto profile = std::get<CustomerProfile>(std::move(parsed));
  const auto now_ms = emitter_.now_ms();
  profile.updated_at = service::EventEmitter::rfc3339(now_ms);
  profile.updated_by_role = std::string(security::to_string(principal.role));
  profile.updated_by_subject = principal.subject;

  service::OutboundEvent e;
  e.topic = kEventsTopic;
  e.type = "notification.preferences-updated";
  e.key = customer;
  e.data = profile_json(profile);
  e.event_id = events::uuid_v4();
  e.correlation_id = req.request_id;
  auto record = emitter_.make(e, now_ms);
  if (!record) return error_response(500, "internal", "cannot build the preferences event");
  store::WriteTxn txn;
  NotificationStore::put_profile(txn, profile);
  txn.enqueue(std::move(*record));
  if (auto r = store_.raw().commit(std::move(txn)); !r) {
    log_.error("cannot store preferences", {{"customer_id", customer}, {"error_details", r.error().message}});
    return error_response(503, "unavailable", "the preferences could not be stored; try again");
  }
  log_.info("customer preferences updated", {{"customer_id", customer},
                                             {"correlation_id", req.request_id},
                                             {"language", std::string(to_string(profile.language))},
                                             {"actor_role", profile.updated_by_role}});
  if (on_preferences_changed_) on_preferences_changed_(customer);
  return Response::json(200, profile_json(profile));
}

}  // namespace caas::notification
