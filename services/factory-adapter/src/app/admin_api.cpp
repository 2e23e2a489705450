#include "app/admin_api.hpp"

#include "domain/json.hpp"

#include <caas/core/time.hpp>

#include <charconv>

namespace caas::factory {

namespace {

std::string time_text(std::int64_t ms) {
  return ms > 0 ? format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms))) : "";
}

void write_pending(events::json::Writer& j, const PendingPlacement& p) {
  j.begin_object()
      .field("order_id", p.order_id)
      .field("state", "pending")
      .field("idempotency_key", p.idempotency_key)
      .field("customer_id", p.customer_id)
      .field("attempts", p.attempts)
      .field("next_attempt_at", time_text(p.next_attempt_at_ms))
      .field("created_at", time_text(p.created_at_ms))
      .field("first_error_at", time_text(p.first_error_at_ms))
      .field("last_error", p.last_error)
      .field("last_error_class", p.last_error_class)
      .field("last_http_status", p.last_http_status)
      .end_object();
}

void write_done(events::json::Writer& j, const PlacementRecord& p) {
  j.begin_object()
      .field("order_id", p.order_id)
      .field("state", p.outcome)
      .field("idempotency_key", p.idempotency_key)
      .field("customer_id", p.customer_id)
      .field("attempts", p.attempts)
      .field_if("factory_order_id", p.factory_order_id)
      .field_if("error_class", p.error_class)
      .field_if("last_error", p.last_error)
      .field_if("ticket_id", p.ticket_id)
      .field("http_status", p.http_status)
      .field("critical", p.critical)
      .field("finished_at", time_text(p.finished_at_ms))
      .end_object();
}

std::size_t limit_param(const http::Request& req, std::size_t fallback, std::size_t max) {
  auto v = req.query("limit");
  if (!v) return fallback;
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || p != v->data() + v->size() || n == 0) return fallback;
  return std::min(n, max);
}

}  // namespace

std::string report_view(const ReconciliationReport& r) {
  events::json::Writer j;
  j.begin_object()
      .field("run_id", r.run_id)
      .field("trigger", r.trigger)
      .field("started_at", time_text(r.started_at_ms))
      .field("finished_at", time_text(r.finished_at_ms))
      .field("orders_checked", r.orders_checked)
      .field("orders_unreachable", r.orders_unreachable)
      .field("discrepancy_count", static_cast<std::int64_t>(r.discrepancies.size()));
  j.key("discrepancies").begin_array();
  for (const auto& d : r.discrepancies) {
    j.begin_object()
        .field("order_id", d.order_id)
        .field("factory_order_id", d.factory_order_id)
        .field("caas_status", d.caas_status)
        .field("factory_status", d.factory_status)
        .field("action", d.action)
        .field("corrections", d.corrections)
        .end_object();
  }
  j.end_array().end_object();
  return j.str();
}

std::string factory_order_view(std::string_view order_id, const std::optional<PendingPlacement>& pending,
                               const std::optional<PlacementRecord>& done, const std::optional<FactoryOrder>& fo) {
  events::json::Writer j;
  j.begin_object().field("order_id", order_id);
  j.key("placement");
  if (pending) {
    write_pending(j, *pending);
  } else if (done) {
    write_done(j, *done);
  } else {
    j.null();
  }
  if (fo) {
    j.field("factory_order_id", fo->factory_order_id)
        .field("status", fo->status.current ? std::string(to_string(*fo->status.current)) : "")
        .field("status_timestamp", fo->status.current_timestamp)
        .field("last_update_at", time_text(fo->last_update_ms))
        .field("last_polled_at", time_text(fo->last_polled_ms));
    j.key("history").begin_array();
    for (const auto& e : fo->status.history) {
      j.begin_object()
          .field("status", to_string(e.status))
          .field("timestamp", e.timestamp)
          .field("source", e.source)
          .field("applied", e.applied)
          .field("recorded_at", time_text(e.recorded_at_ms))
          .field_if("ingress_event_id", e.ingress_event_id)
          .end_object();
    }
    j.end_array();
  }
  j.end_object();
  return j.str();
}

std::optional<http::Response> AdminApi::deny(const http::Request& req) const {
  if (!auth_) return http::error_response(401, "unauthenticated", "no API keys configured (CAAS_API_KEYS_FILE)");
  auto who = auth_->authenticate(req);
  if (!who) return http::error_response(401, "unauthenticated", who.error().message);
  if (who->role != security::Role::admin && who->role != security::Role::operator_) {
    return http::error_response(403, "forbidden", "admin or operator role required",
                                {{"role", std::string(security::to_string(who->role))}});
  }
  return std::nullopt;
}

void AdminApi::add_routes(http::Router& router) {
  router.add("POST", "/api/v1/reconciliation/run", [this](http::Request&& req, http::Responder respond) {
    if (auto denied = deny(req)) return respond(std::move(*denied));
    // The run makes one Factory call per active order: it runs on the
    // scheduler thread and answers from there, never on the HTTP strand.
    auto shared = std::make_shared<http::Responder>(std::move(respond));
    const bool queued = reconciler_.request_run(
        [shared](ReconciliationReport report) { (*shared)(http::Response::json(200, report_view(report))); });
    if (!queued) (*shared)(http::error_response(409, "conflict", "a reconciliation run is already in progress"));
  });
  router.add_sync("GET", "/api/v1/reconciliation/reports", [this](const http::Request& req) {
    if (auto denied = deny(req)) return std::move(*denied);
    events::json::Writer j;
    j.begin_object().key("reports").begin_array();
    for (const auto& r : store_.reports(limit_param(req, 20, 100))) j.raw(report_view(r));
    j.end_array().end_object();
    return http::Response::json(200, j.str());
  });
  router.add_sync("GET", "/api/v1/factory-orders/{order_id}", [this](const http::Request& req) {
    if (auto denied = deny(req)) return std::move(*denied);
    const std::string order_id(req.param("order_id"));
    auto pending = store_.pending(order_id);
    auto done = store_.placement(order_id);
    std::optional<FactoryOrder> fo;
    if (auto fid = store_.factory_order_id_for(order_id)) fo = store_.factory_order(*fid);
    if (!pending && !done && !fo) {
      return http::error_response(404, "not_found", "no placement for this order", {{"order_id", order_id}});
    }
    return http::Response::json(200, factory_order_view(order_id, pending, done, fo));
  });
  router.add_sync("GET", "/api/v1/placements", [this](const http::Request& req) {
    if (auto denied = deny(req)) return std::move(*denied);
    const auto state = req.query("state").value_or("pending");
    const auto limit = limit_param(req, 100, 1000);
    events::json::Writer j;
    j.begin_object().field("state", state).key("placements").begin_array();
    if (state == "pending") {
      for (const auto& p : store_.pendings(limit)) write_pending(j, p);
    } else if (state == "failed") {
      for (const auto& p : store_.placements(true, limit)) write_done(j, p);
    } else {
      return http::error_response(400, "invalid_parameter", "state must be pending or failed");
    }
    j.end_array().end_object();
    return http::Response::json(200, j.str());
  });
}

}  // namespace caas::factory
