#pragma once
// The simulator's mutable state, shared by the HTTP handlers, the production
// line and the webhook senders. One mutex guards it all: every operation on
// it is a few map lookups, so contention is negligible and there is no lock
// order to get wrong. Counters go to the control API's stats and to
// Prometheus through the same calls, so the two never disagree.

#include <caas/sim/random.hpp>
#include "domain/delivery.hpp"
#include "domain/fault_plan.hpp"
#include "domain/order_book.hpp"
#include "domain/stats.hpp"

#include <caas/observability/metrics.hpp>

#include <mutex>
#include <string>

namespace caas::factory_sim {

/// Prometheus families of the simulator (created once).
struct Probe {
  explicit Probe(observability::Metrics& metrics);

  prometheus::Family<prometheus::Counter>& placement_requests;  // {outcome}
  prometheus::Family<prometheus::Counter>& status_queries;      // {outcome}
  prometheus::Counter& orders_created;
  prometheus::Family<prometheus::Counter>& status_changes;    // {status}
  prometheus::Family<prometheus::Counter>& webhook_attempts;  // {response}
  prometheus::Family<prometheus::Counter>& webhooks;          // {outcome}
  prometheus::Gauge& queue_depth;
};

struct SimState {
  SimState(OrderBookOptions book_options, Catalogue catalogue, std::uint64_t random_seed, std::size_t queue_capacity,
           observability::Metrics& metrics)
      : seed(random_seed),
        book(book_options, std::move(catalogue)),
        rng(random_seed),
        queue(queue_capacity),
        probe(metrics) {}

  std::mutex mutex;
  const std::uint64_t seed;
  OrderBook book;
  FaultPlan faults;
  Stats stats;
  SeededRandom rng;
  DeliveryQueue queue;
  std::uint64_t next_delivery_id = 1;
  Probe probe;

  // Counting helpers; call with `mutex` held.
  void count_placement(const std::string& outcome);
  void count_status_query(const std::string& outcome);
  void count_webhook(const std::string& outcome, std::uint64_t& counter, std::uint64_t n = 1);
  void count_attempt(const std::string& response);
  void update_queue_gauge();
  /// Faults and counters back to the start, random sequence restarted.
  void reset();
};

}  // namespace caas::factory_sim
