#include "domain/order_book.hpp"

#include <cstdio>

namespace caas::factory_sim {

namespace {

TimePoint floor_ms(TimePoint t) {
  return std::chrono::floor<std::chrono::milliseconds>(t);
}

}  // namespace

OrderBook::OrderBook(OrderBookOptions options, Catalogue catalogue)
    : options_(options), catalogue_(std::move(catalogue)), next_number_(options.first_number) {}

OrderBook::KeyState OrderBook::check_key(const std::string& key, const std::string& fingerprint) const {
  const Order* order = find_by_key(key);
  if (order == nullptr) return KeyState::unknown;
  return order->fingerprint == fingerprint ? KeyState::same_body : KeyState::different_body;
}

const Order* OrderBook::find_by_key(const std::string& key) const {
  if (key.empty()) return nullptr;
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : find(it->second);
}

std::string OrderBook::next_id(TimePoint now) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(now)};
  char buf[40];
  std::snprintf(buf, sizeof buf, "FAC-%04d-%06llu", static_cast<int>(ymd.year()),
                static_cast<unsigned long long>(next_number_++));
  return buf;
}

const Order* OrderBook::create(PlacementRequest request, std::string idempotency_key, std::string fingerprint,
                               TimePoint now, Random& rng) {
  if (orders_.size() >= options_.max_orders) return nullptr;
  now = floor_ms(now);
  Order order;
  order.id = next_id(now);
  order.idempotency_key = std::move(idempotency_key);
  order.fingerprint = std::move(fingerprint);
  order.request = std::move(request);
  order.manufacturing_location = catalogue_.plants[rng.index(catalogue_.plants.size())];
  order.created_at = now;
  order.estimated_delivery_date = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now) +
                                                              std::chrono::days{catalogue_.lead_time_days}};
  order.history.push_back({Status::ordered, now, false});
  order.next_stage_at = now + options_.stage_interval;
  if (!order.idempotency_key.empty()) by_key_[order.idempotency_key] = order.id;
  auto [it, inserted] = orders_.emplace(order.id, std::move(order));
  (void)inserted;
  return &it->second;
}

std::vector<StatusChange> OrderBook::advance(TimePoint now, double qc_failure, bool paused, Random& rng) {
  std::vector<StatusChange> changes;
  if (paused) return changes;
  now = floor_ms(now);
  for (auto& [id, order] : orders_) {
    const Status current = order.status();
    if (is_final(current) || order.next_stage_at > now) continue;
    HistoryEntry entry{*next_status(current), now, false};
    if (current == Status::quality_check && !order.reworked && rng.chance(qc_failure)) {
      entry.status = Status::in_production;
      entry.rework = true;
      order.reworked = true;
    }
    // Strictly increasing per order, even if the clock stalls or two stages
    // fall into the same millisecond.
    const TimePoint last = order.history.back().timestamp;
    if (entry.timestamp <= last) entry.timestamp = last + std::chrono::milliseconds(1);
    order.history.push_back(entry);
    order.next_stage_at = now + options_.stage_interval;
    changes.push_back({id, entry, current});
  }
  return changes;
}

void OrderBook::count_request(const std::string& key) {
  if (key.empty()) return;
  auto it = requests_by_key_.find(key);
  if (it != requests_by_key_.end()) {
    ++it->second;
  } else if (requests_by_key_.size() < options_.max_tracked_keys) {
    requests_by_key_.emplace(key, 1);
  }
}

int OrderBook::request_count(const std::string& key) const {
  auto it = requests_by_key_.find(key);
  return it == requests_by_key_.end() ? 0 : it->second;
}

const Order* OrderBook::find(const std::string& id) const {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

Order* OrderBook::find_mutable(const std::string& id) {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

void OrderBook::clear() {
  orders_.clear();
  by_key_.clear();
  requests_by_key_.clear();
}

std::string location_for(const Order& order, Status status) {
  const std::string& plant = order.manufacturing_location;
  switch (status) {
    case Status::ordered:
      return plant + " - Order Queue";
    case Status::in_production:
      return plant + " - Assembly Line 3";
    case Status::assembly_complete:
      return plant + " - Assembly Line 3";
    case Status::quality_check:
      return plant + " - Quality Control";
    case Status::ready_for_shipment:
      return plant + " - Shipping Yard";
    case Status::shipped:
      return "In Transit - " + order.request.delivery_address.city + " Route";
    case Status::arrived_at_dealership:
      return "Dealership " + order.request.dealership_id;
  }
  return plant;
}

std::string notes_for(const Order& order, const HistoryEntry& entry) {
  if (entry.rework) return "Quality control failed: returned to production for rework";
  switch (entry.status) {
    case Status::ordered:
      return "Order received and queued for manufacturing";
    case Status::in_production:
      return "Manufacturing started";
    case Status::assembly_complete:
      return "Assembly finished";
    case Status::quality_check:
      return "Vehicle in quality control";
    case Status::ready_for_shipment:
      return "Vehicle passed quality control";
    case Status::shipped:
      return "Dispatched via transport contractor ABC-TRANS-001";
    case Status::arrived_at_dealership:
      return "Vehicle arrived at dealership " + order.request.dealership_id;
  }
  return {};
}

}  // namespace caas::factory_sim
