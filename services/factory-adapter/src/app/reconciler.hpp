#pragma once
// Missed webhooks (seed 000): a scheduler thread that
//   * every tick counts silent orders (ORDERED / IN_PRODUCTION, no update for
//     more than stale_after) for missed_webhook_count and polls those whose
//     last poll is older than poll_interval;
//   * runs the reconciliation of every active order when the stored
//     rc/next-run time has come (daily by default), or at once when asked
//     over HTTP.
// Each order check asks the Factory for its status and history, plans the
// corrections (domain/reconcile.hpp) and commits the updated history, the
// factory.status-changed corrections, factory.discrepancy-found and, for an
// unresolved discrepancy, a support ticket in ONE store write. Every run is
// kept as a report. The schedule lives in the store (last update / last poll
// per order, rc/next-run), so a restart keeps it.

#include "app/emitter.hpp"
#include "app/factory_order_locks.hpp"
#include "app/probe.hpp"
#include "clients/factory_client.hpp"
#include "domain/schedule.hpp"
#include "store/adapter_store.hpp"

#include <caas/core/result.hpp>
#include <caas/observability/logger.hpp>
#include <caas/resilience/circuit_breaker.hpp>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace caas::factory {

struct ReconcilerSettings {
  ScheduleSettings schedule;
  std::chrono::milliseconds tick{60000};  // CAAS_FACTORY_SCHEDULER_TICK
  std::size_t reports_kept = 100;         // CAAS_FACTORY_REPORTS_KEPT
};

class Reconciler {
 public:
  using RunCallback = std::function<void(ReconciliationReport)>;

  Reconciler(AdapterStore& store, FactoryClient& client, resilience::CircuitBreaker& breaker, const Emitter& emitter,
             FactoryOrderLocks& locks, Probe& probe, observability::Logger log, ReconcilerSettings settings);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void start();
  void stop();
  /// Queues a manual run on the scheduler thread; `done` gets the report.
  /// False when a manual run is already queued or running.
  bool request_run(RunCallback done);

 private:
  struct Check {
    bool reachable = false;
    std::optional<ReportEntry> discrepancy;
  };
  void loop();
  void tick();
  void poll_silent(std::int64_t now_ms);
  ReconciliationReport run(const std::string& trigger);
  Check check_order(const std::string& factory_order_id, const std::string& detected_by, std::string_view source,
                    const std::string& run_id);
  void save_report(const ReconciliationReport& report, std::optional<std::int64_t> next_run_ms);

  AdapterStore& store_;
  FactoryClient& client_;
  resilience::CircuitBreaker& breaker_;
  const Emitter& emitter_;
  FactoryOrderLocks& locks_;
  Probe& probe_;
  observability::Logger log_;
  ReconcilerSettings settings_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<RunCallback> manual_;
  bool manual_running_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace caas::factory
