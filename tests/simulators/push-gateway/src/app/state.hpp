#pragma once
// The simulator's mutable state, shared by the HTTP handlers (several I/O
// threads). One mutex guards it all: every operation on it is a few hash
// lookups, so contention is negligible and there is no lock order to get
// wrong. Counters go to the control API's stats and to Prometheus through the
// same calls, so the two never disagree.

#include <caas/sim/random.hpp>
#include "domain/fault_plan.hpp"
#include "domain/message_book.hpp"
#include "domain/stats.hpp"

#include <caas/observability/metrics.hpp>

#include <cstdint>
#include <mutex>
#include <string>

namespace caas::push_sim {

/// Prometheus families of the simulator (created once).
struct Probe {
  explicit Probe(observability::Metrics& metrics);

  prometheus::Family<prometheus::Counter>& requests;  // {outcome}
  prometheus::Counter& held;
  prometheus::Gauge& stored;
};

struct SimState {
  SimState(MessageBookOptions book_options, std::uint64_t id_salt, std::uint64_t random_seed,
           observability::Metrics& metrics)
      : seed(random_seed), book(book_options, id_salt), rng(random_seed), probe(metrics) {}

  std::mutex mutex;
  const std::uint64_t seed;
  MessageBook book;
  FaultPlan faults;
  Stats stats;
  SeededRandom rng;
  Probe probe;

  // Call with `mutex` held.
  /// An answer decided for a request (not a pure hold), by status and outcome.
  void count_answer(int status, const std::string& outcome);
  void count_held();
  /// Messages, keys, unregistered recipients, faults and counters back to the
  /// start; the random sequence restarts. Message ids keep counting.
  void reset();
};

}  // namespace caas::push_sim
