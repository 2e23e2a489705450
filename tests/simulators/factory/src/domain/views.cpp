#include "domain/views.hpp"

namespace caas::factory_sim {

namespace {

void write_history_entry(JsonWriter& w, const HistoryEntry& e) {
  w.StartObject();
  write_member(w, "status", to_string(e.status));
  write_time_member(w, "timestamp", e.timestamp);
  w.EndObject();
}

}  // namespace

std::string placement_response(const Order& order) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "order_id", order.id);
    write_member(w, "status", to_string(Status::ordered));
    write_member(w, "estimated_delivery_date", format_date(order.estimated_delivery_date));
    write_member(w, "manufacturing_location", order.manufacturing_location);
    write_time_member(w, "created_at", order.created_at);
    w.EndObject();
  });
}

std::string status_response(const Order& order) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "order_id", order.id);
    write_member(w, "status", to_string(order.status()));
    write_string(w, "status_history");
    w.StartArray();
    for (const auto& e : order.history) write_history_entry(w, e);
    w.EndArray();
    write_member(w, "estimated_delivery_date", format_date(order.estimated_delivery_date));
    write_member(w, "current_location", location_for(order, order.status()));
    w.EndObject();
  });
}

std::string webhook_body(const Order& order, const HistoryEntry& entry) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "order_id", order.id);
    write_member(w, "status", to_string(entry.status));
    write_time_member(w, "timestamp", entry.timestamp);
    write_member(w, "estimated_completion_date", format_date(order.estimated_delivery_date));
    write_member(w, "notes", notes_for(order, entry));
    write_member(w, "location", location_for(order, entry.status));
    w.EndObject();
  });
}

void write_control_order(JsonWriter& w, const Order& order, int placement_requests) {
  w.StartObject();
  write_member(w, "order_id", order.id);
  write_string(w, "idempotency_key");
  if (order.idempotency_key.empty()) {
    w.Null();
  } else {
    write_string(w, order.idempotency_key);
  }
  write_member(w, "customer_id", order.request.customer_id);
  write_member(w, "dealership_id", order.request.dealership_id);
  write_member(w, "status", to_string(order.status()));
  write_time_member(w, "created_at", order.created_at);
  write_member(w, "estimated_delivery_date", format_date(order.estimated_delivery_date));
  write_member(w, "manufacturing_location", order.manufacturing_location);
  write_string(w, "placement_requests");
  w.Int(placement_requests);
  write_string(w, "reworked");
  w.Bool(order.reworked);
  write_string(w, "status_history");
  w.StartArray();
  for (const auto& e : order.history) write_history_entry(w, e);
  w.EndArray();
  write_string(w, "webhooks");
  w.StartArray();
  for (const auto& r : order.webhooks) {
    w.StartObject();
    write_member(w, "status", to_string(r.status));
    write_time_member(w, "timestamp", r.timestamp);
    write_member(w, "outcome", r.outcome);
    write_string(w, "attempts");
    w.Int(r.attempts);
    write_string(w, "last_http_status");
    w.Int(r.last_http_status);
    write_string(w, "duplicate");
    w.Bool(r.duplicate);
    write_string(w, "reordered");
    w.Bool(r.reordered);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace caas::factory_sim
