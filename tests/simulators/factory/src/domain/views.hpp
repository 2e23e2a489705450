#pragma once
// JSON bodies the simulated Factory writes, field for field as seed 000
// shows them (201 of POST /api/v1/orders, GET …/status, the status webhook),
// plus the control API's view of an order.

#include <string>

#include "domain/order_book.hpp"

namespace caas::factory_sim {

/// {"order_id","status":"ORDERED","estimated_delivery_date","manufacturing_location","created_at"}.
/// Always the order's creation answer, so a repeated Idempotency-Key gets the
/// same body as the first request.
std::string placement_response(const Order& order);

/// {"order_id","status","status_history":[{status,timestamp}],"estimated_delivery_date","current_location"}.
std::string status_response(const Order& order);

/// {"order_id","status","timestamp","estimated_completion_date","notes","location"}.
std::string webhook_body(const Order& order, const HistoryEntry& entry);

/// GET /control/orders entry: ids, key, status, history, request count, webhooks.
void write_control_order(JsonWriter& w, const Order& order, int placement_requests);

}  // namespace caas::factory_sim
