#pragma once
// The Factory's orders: creation (with the Idempotency-Key table), and the
// production line that moves every order one stage per stage interval through
// ORDERED → … → ARRIVED_AT_DEALERSHIP, with an injectable QC failure that
// sends an order back to IN_PRODUCTION once. Pure: time and randomness are
// passed in; the caller serialises access.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caas/sim/random.hpp>
#include "domain/catalogue.hpp"
#include "domain/json_out.hpp"
#include "domain/placement.hpp"
#include "domain/status.hpp"

namespace caas::factory_sim {

using sim::Random;
using sim::ScriptedRandom;
using sim::SeededRandom;

struct HistoryEntry {
  Status status;
  TimePoint timestamp;
  bool rework = false;  // IN_PRODUCTION again after a failed quality check
};

/// What became of one webhook (kept per order for GET /control/orders).
struct WebhookRecord {
  std::uint64_t delivery_id = 0;  // 0 = never queued (silent, dropped)
  Status status;
  TimePoint timestamp;
  std::string outcome;  // pending, delivered, failed, dropped, silent
  int attempts = 0;
  int last_http_status = 0;  // 0 = none / network error
  bool duplicate = false;    // the injected second copy
  bool reordered = false;    // held back behind the next webhook of its order
};

struct Order {
  std::string id;               // FAC-<year>-<6 digits>
  std::string idempotency_key;  // "" when the request had none
  std::string fingerprint;      // of the request body
  PlacementRequest request;
  std::string manufacturing_location;
  std::chrono::year_month_day estimated_delivery_date;
  TimePoint created_at;
  std::vector<HistoryEntry> history;  // never empty; back() is the current status
  TimePoint next_stage_at;
  bool reworked = false;  // QC fails at most once per order
  std::vector<WebhookRecord> webhooks;

  Status status() const { return history.back().status; }
  const HistoryEntry& current() const { return history.back(); }
};

/// A status change produced by OrderBook::advance, in the order it happened.
struct StatusChange {
  std::string order_id;
  HistoryEntry entry;
  Status previous;
};

struct OrderBookOptions {
  std::chrono::milliseconds stage_interval{200};
  std::size_t max_orders = 100000;        // placement answers 503 beyond it
  std::size_t max_tracked_keys = 200000;  // request counters per Idempotency-Key
  std::uint32_t first_number = 1;         // FAC-<year>-<first_number, 6 digits>
};

class OrderBook {
 public:
  OrderBook(OrderBookOptions options, Catalogue catalogue);

  enum class KeyState { unknown, same_body, different_body };
  /// Looks up an Idempotency-Key ("" is never known).
  KeyState check_key(const std::string& key, const std::string& fingerprint) const;
  /// The order first created with `key`.
  const Order* find_by_key(const std::string& key) const;

  /// Creates an order (status ORDERED at `now`). nullptr when the book is
  /// full. Call check_key first: a known key must not reach here.
  const Order* create(PlacementRequest request, std::string idempotency_key, std::string fingerprint, TimePoint now,
                      Random& rng);

  /// Moves every order whose stage is due by one stage. `qc_failure` is the
  /// probability that QUALITY_CHECK fails (once per order); nothing moves
  /// while `paused`. Timestamps are `now` (milliseconds), bumped so they are
  /// strictly increasing per order.
  std::vector<StatusChange> advance(TimePoint now, double qc_failure, bool paused, Random& rng);

  /// Counts a placement request carrying `key` (reported per order).
  void count_request(const std::string& key);
  int request_count(const std::string& key) const;

  const Order* find(const std::string& id) const;
  Order* find_mutable(const std::string& id);
  /// Every order, by id.
  const std::map<std::string, Order>& orders() const { return orders_; }
  std::size_t size() const { return orders_.size(); }
  /// Forgets every order and key; ids keep counting so none is ever reused.
  void clear();

  const Catalogue& catalogue() const { return catalogue_; }

 private:
  std::string next_id(TimePoint now);

  OrderBookOptions options_;
  Catalogue catalogue_;
  std::uint64_t next_number_;
  std::map<std::string, Order> orders_;
  std::map<std::string, std::string> by_key_;  // Idempotency-Key -> order id
  std::map<std::string, int> requests_by_key_;
};

/// Where the car is at `status` (seed 000 current_location / webhook location).
std::string location_for(const Order& order, Status status);
/// Human-readable webhook notes for an entry.
std::string notes_for(const Order& order, const HistoryEntry& entry);

}  // namespace caas::factory_sim
