#pragma once
// Drives pending placements (pl/pending/*) to an outcome, off the consumer
// thread so Factory retries never block consumption.
//
// A dispatcher thread scans the store for placements whose next_attempt_at
// has come and hands them to `concurrency` executor threads (bounded: never
// more claimed than executors). An executor makes one attempt — unless the
// circuit breaker is open, in which case the placement simply stays pending
// (not an attempt, not a failure) — and commits the result in ONE store write:
// either the rescheduled pending record, or the outcome event(s) + pending
// removal + factory order map. Everything it needs is in the store, so a
// restart (or kill -9) resumes where it stopped; the idempotency key sent on
// every attempt makes a repeated POST return the first Factory order.

#include "app/emitter.hpp"
#include "app/factory_order_locks.hpp"
#include "app/probe.hpp"
#include "clients/factory_client.hpp"
#include "domain/placement.hpp"
#include "store/adapter_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/resilience/circuit_breaker.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace caas::factory {

struct WorkerSettings {
  unsigned concurrency = 4;             // CAAS_FACTORY_PLACEMENT_CONCURRENCY
  std::chrono::milliseconds tick{100};  // CAAS_FACTORY_WORKER_TICK: rescan period
  std::size_t scan_limit = 1000;        // pending records looked at per scan
};

class PlacementWorker {
 public:
  PlacementWorker(AdapterStore& store, FactoryClient& client, resilience::CircuitBreaker& breaker,
                  resilience::RetryPolicy policy, const Emitter& emitter, FactoryOrderLocks& locks, Probe& probe,
                  observability::Logger log, WorkerSettings settings,
                  std::function<void(const std::string& factory_order_id)> factory_order_recorded = {});
  ~PlacementWorker();
  PlacementWorker(const PlacementWorker&) = delete;
  PlacementWorker& operator=(const PlacementWorker&) = delete;

  void start();
  /// Finishes attempts in flight (each bounded by the client timeout).
  void stop();
  /// A new pending placement may exist: rescan now.
  void wake();

 private:
  enum class AttemptResult { done, breaker_open };
  void dispatch_loop();
  void execute_loop();
  AttemptResult attempt(const std::string& order_id);
  void drop_pending(const PendingPlacement& p);
  void commit_outcome(PendingPlacement p, const PlaceResult& result, const PlacementDecision& decision,
                      std::int64_t latency_ms);

  AdapterStore& store_;
  FactoryClient& client_;
  resilience::CircuitBreaker& breaker_;
  resilience::RetryPolicy policy_;
  const Emitter& emitter_;
  FactoryOrderLocks& locks_;
  Probe& probe_;
  observability::Logger log_;
  WorkerSettings settings_;
  std::function<void(const std::string&)> factory_order_recorded_;  // after the commit that records it

  std::mutex mutex_;
  std::condition_variable dispatch_cv_;
  std::condition_variable work_cv_;
  std::deque<std::string> queue_;
  std::set<std::string> claimed_;  // queued or being attempted
  bool woken_ = false;
  bool stop_ = false;
  std::thread dispatcher_;
  std::vector<std::thread> executors_;
};

}  // namespace caas::factory
