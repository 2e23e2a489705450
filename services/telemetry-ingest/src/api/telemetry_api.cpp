#include "api/telemetry_api.hpp"

#include "domain/vehicle_events.hpp"

#include <caas/events/json_util.hpp>
#include <caas/events/time.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace caas::telemetry {

namespace json = caas::events::json;
using http::Request;
using http::Response;

namespace {

/// The one mapping of API failures to responses (DESIGN.md §6).
enum class Failure { unauthenticated, forbidden, invalid, not_found, not_served_here, replaying };

Response reply(Failure f, const std::string& message, const http::ErrorFields& extra = {}) {
  switch (f) {
    case Failure::unauthenticated: {
      auto r = http::error_response(401, "unauthenticated", message);
      r.headers.set("WWW-Authenticate", "Bearer");
      return r;
    }
    case Failure::forbidden:
      return http::error_response(403, "forbidden", message, extra);
    case Failure::invalid:
      return http::error_response(400, "invalid_request", message, extra);
    case Failure::not_found:
      return http::error_response(404, "not_found", message, extra);
    case Failure::not_served_here:
      return http::error_response(503, "not_served_here", message, extra);
    case Failure::replaying:
      return http::error_response(503, "replaying", message, extra);
  }
  return http::error_response(500, "internal", message);
}

bool is_staff(security::Role role) {
  return role == security::Role::admin || role == security::Role::operator_ || role == security::Role::system;
}

std::optional<std::size_t> parse_size(const std::string& s, std::size_t max) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_time_param(const std::string& s) {
  bool ok = false;
  const auto ms = to_ms(s, ok);
  if (!ok) return std::nullopt;
  return ms;
}

bool valid_cursor(const std::string& c) {
  if (c.size() != 33 || c[16] != '/') return false;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (i == 16) continue;
    const char x = c[i];
    if (!((x >= '0' && x <= '9') || (x >= 'a' && x <= 'f'))) return false;
  }
  return true;
}

}  // namespace

TelemetryApi::TelemetryApi(TelemetryStore& store, service::Authenticator auth, const PartitionOwners& owners,
                           const FleetHandler& fleet, std::function<bool()> caught_up)
    : store_(store), auth_(std::move(auth)), owners_(owners), fleet_(fleet), caught_up_(std::move(caught_up)) {}

void TelemetryApi::add_routes(http::Router& router) {
  router.add_sync("GET", "/api/v1/vehicles/{vin}/state", [this](const Request& r) { return state(r); });
  router.add_sync("GET", "/api/v1/vehicles/{vin}/timeline", [this](const Request& r) { return timeline(r); });
  router.add_sync("GET", "/api/v1/vehicles/{vin}/connectivity", [this](const Request& r) { return connectivity(r); });
  router.add_sync("GET", "/api/v1/fleet/summary", [this](const Request& r) { return summary(r); });
}

std::variant<VehicleRecord, Response> TelemetryApi::vehicle_for(const Request& req) const {
  auto who = auth_.authenticate(req);
  if (!who) return reply(Failure::unauthenticated, who.error().message);
  const std::string vin(req.param("vin"));
  // Only the length: a VIN of the right length that breaks the character
  // rule (the schemas' pattern) was never accepted, so it is simply unknown.
  if (vin.size() != 17) return reply(Failure::invalid, "a VIN has 17 characters", {{"field", "vin"}});
  if (who->role == security::Role::customer) {
    auto owner = store_.owner(vin);
    if (!owner || owner->customer_id != who->subject) {
      return reply(Failure::forbidden, "a customer sees only the vehicles delivered to them", {{"vin", vin}});
    }
  } else if (!is_staff(who->role)) {
    return reply(Failure::forbidden, "dealers have no access to vehicle telemetry");
  }
  if (!caught_up_()) return reply(Failure::replaying, "the telemetry is being replayed; try again shortly");
  auto record = store_.vehicle(vin);
  if (record && owners_.serves(record->state.partition)) return std::move(*record);
  if (!record && owners_.serves_all()) {
    return reply(Failure::not_found, "no telemetry was ever received from this vehicle", {{"vin", vin}});
  }
  return reply(Failure::not_served_here, "this vehicle's partition is served by another replica; try again",
               {{"vin", vin}});
}

Response TelemetryApi::state(const Request& req) const {
  auto v = vehicle_for(req);
  if (auto* denied = std::get_if<Response>(&v)) return std::move(*denied);
  return Response::json(200, vehicle_view(std::get<VehicleRecord>(v).state));
}

Response TelemetryApi::timeline(const Request& req) const {
  auto v = vehicle_for(req);
  if (auto* denied = std::get_if<Response>(&v)) return std::move(*denied);
  const auto& vin = std::get<VehicleRecord>(v).state.vin;
  std::int64_t from = 0;
  std::int64_t to = std::numeric_limits<std::int64_t>::max();
  std::size_t limit = 100;
  std::string cursor;
  if (auto s = req.query("from")) {
    auto t = parse_time_param(*s);
    if (!t) return reply(Failure::invalid, "from: an RFC 3339 time", {{"field", "from"}});
    from = *t;
  }
  if (auto s = req.query("to")) {
    auto t = parse_time_param(*s);
    if (!t) return reply(Failure::invalid, "to: an RFC 3339 time", {{"field", "to"}});
    to = *t;
  }
  if (from > to) return reply(Failure::invalid, "from must not be after to", {{"field", "from"}});
  if (auto s = req.query("limit")) {
    auto n = parse_size(*s, 500);
    if (!n || *n == 0) return reply(Failure::invalid, "limit: an integer from 1 to 500", {{"field", "limit"}});
    limit = *n;
  }
  if (auto s = req.query("cursor")) {
    if (!valid_cursor(*s))
      return reply(Failure::invalid, "cursor: as returned by the previous page", {{"field", "cursor"}});
    cursor = *s;
  }
  const auto page = store_.timeline(vin, from, to, cursor, limit);
  json::Writer w;
  w.begin_object().field("vin", vin).key("items").begin_array();
  for (const auto& item : page.items) w.raw(item);
  w.end_array().field_or_null("next_cursor", page.next_cursor);
  return Response::json(200, w.end_object().str());
}

Response TelemetryApi::connectivity(const Request& req) const {
  auto v = vehicle_for(req);
  if (auto* denied = std::get_if<Response>(&v)) return std::move(*denied);
  const auto& s = std::get<VehicleRecord>(v).state;
  const auto intervals = store_.intervals(s.vin);
  json::Writer w;
  w.begin_object().field("vin", s.vin).field("online", s.online).key("intervals").begin_array();
  auto entry = [&w](const char* state, std::int64_t from, std::optional<std::int64_t> until) {
    w.begin_object().field("state", state).field("from", format_ms(from)).key("until");
    if (until) {
      w.value(format_ms(*until));
    } else {
      w.null();
    }
    w.end_object();
  };
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const auto& on = intervals[i];
    entry("online", on.from_ms, on.until_ms);
    if (!on.until_ms) continue;
    std::optional<std::int64_t> next;  // offline until the next interval starts, or still
    if (i + 1 < intervals.size()) next = intervals[i + 1].from_ms;
    entry("offline", *on.until_ms, next);
  }
  return Response::json(200, w.end_array().end_object().str());
}

Response TelemetryApi::summary(const Request& req) const {
  auto who = auth_.authenticate(req);
  if (!who) return reply(Failure::unauthenticated, who.error().message);
  if (!is_staff(who->role)) return reply(Failure::forbidden, "the fleet summary is for operators");
  const auto c = fleet_.counters();
  json::Writer w;
  w.begin_object().field("vehicles_known", c.known).field("vehicles_online", c.online);
  w.key("online_percent").raw(json_number(std::round(c.online_ratio() * 10000.0) / 100.0));
  w.key("by_operational_state").begin_object();
  for (auto st : kOperationalStates) {
    auto it = c.by_state.find(std::string(st));
    w.field(st, it == c.by_state.end() ? std::int64_t{0} : it->second);
  }
  w.end_object().key("by_diagnostic_severity").begin_object();
  for (std::string_view sev : {"none", "info", "warning", "error", "critical"}) {
    auto it = c.by_severity.find(std::string(sev));
    w.field(sev, it == c.by_severity.end() ? std::int64_t{0} : it->second);
  }
  return Response::json(200, w.end_object().end_object().str());
}

}  // namespace caas::telemetry
