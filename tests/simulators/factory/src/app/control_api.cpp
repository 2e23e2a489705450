// The control API (tests and the demo only; loopback, no authentication):
//   GET  /control/faults            current fault plan
//   POST /control/faults            partial update, answers the new plan
//   POST /control/reset[?orders=true]  faults and counters back to the start
//                                   (and, with orders=true, every order forgotten)
//   GET  /control/orders            every order the Factory holds
//   GET  /control/orders/{id}       one order
//   GET  /control/stats             counters (domain/stats.hpp)
#include "app/simulator.hpp"

#include "domain/views.hpp"

#include <caas/events/json.hpp>

namespace caas::factory_sim {

namespace {

std::string orders_json(const OrderBook& book) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_string(w, "orders");
    w.StartArray();
    for (const auto& [id, order] : book.orders())
      write_control_order(w, order, book.request_count(order.idempotency_key));
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

void FactorySimulator::add_control_routes(http::Router& router) {
  router.add_sync("GET", "/control/faults", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, to_json(state_.faults));
  });
  router.add_sync("POST", "/control/faults", [this](const http::Request& request) {
    auto doc = events::parse_strict_json(request.body, events::StrictJsonLimits{8, 64 * 1024, 1024, 10000});
    if (!doc) return http::error_response(400, "invalid_json", doc.error().message);
    std::lock_guard lock(state_.mutex);
    if (auto e = apply_fault_patch(state_.faults, *doc)) {
      return http::error_response(400, "invalid_fault_plan", e->message, {{"field", e->field}});
    }
    log_.info("fault plan changed", {{"faults", to_json(state_.faults)}});
    return http::Response::json(200, to_json(state_.faults));
  });
  router.add_sync("POST", "/control/reset", [this](const http::Request& request) {
    const bool orders = request.query("orders").value_or("false") == "true";
    std::lock_guard lock(state_.mutex);
    state_.reset();
    if (orders) {
      state_.book.clear();
      state_.queue.clear();
      state_.update_queue_gauge();
    }
    log_.info("simulator reset", {{"orders_cleared", orders}});
    return http::Response::json(200,
                                std::string(R"({"reset":true,"orders_cleared":)") + (orders ? "true" : "false") + "}");
  });
  router.add_sync("GET", "/control/orders", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, orders_json(state_.book));
  });
  router.add_sync("GET", "/control/orders/{id}", [this](const http::Request& request) {
    const std::string id(request.param("id"));
    std::lock_guard lock(state_.mutex);
    const Order* order = state_.book.find(id);
    if (order == nullptr) return http::error_response(404, "not_found", "no such factory order", {{"order_id", id}});
    return http::Response::json(200, build_json([&](JsonWriter& w) {
                                  write_control_order(w, *order, state_.book.request_count(order->idempotency_key));
                                }));
  });
  router.add_sync("GET", "/control/stats", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    Stats snapshot = state_.stats;
    snapshot.webhooks.waiting = state_.queue.size();
    snapshot.webhooks.in_flight = state_.queue.in_flight();
    return http::Response::json(200, snapshot.to_json());
  });
}

}  // namespace caas::factory_sim
