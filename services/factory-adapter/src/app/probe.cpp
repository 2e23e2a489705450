#include "app/probe.hpp"

namespace caas::factory {

Probe::Probe(observability::Metrics& m)
    : placements(m.counter_family("factory_order_placements_total",
                                  "Factory order placements by final outcome (placed, rejected, auth_failed, "
                                  "exhausted)")),
      latency(m.histogram_family("factory_order_latency_seconds",
                                 "Factory POST /api/v1/orders response time per attempt, by outcome")),
      retries(m.counter_family("factory_order_retries_total", "Placement retries scheduled, by error class")),
      auth_failures(
          m.counter("factory_auth_failures_total", "Factory API answered 401/403 (critical: credentials broken)")),
      rejections(m.counter("factory_order_rejections_total", "Factory API answered 400 (validation) to a placement")),
      tickets(m.counter_family("factory_support_tickets_total", "Support tickets opened, by category")),
      breaker_state(m.gauge("factory_circuit_breaker_state",
                            "Circuit breaker around the Factory API: 0 closed, 1 open, 2 half-open")),
      breaker_waits(m.counter("factory_circuit_breaker_waits_total",
                              "Placements or polls held back because the circuit breaker was open")),
      pending(m.gauge("factory_pending_placements", "Placements waiting for their next attempt")),
      webhooks(m.counter_family("webhook_processing_total",
                                "Factory status webhooks processed, by outcome (success, duplicate, failure)")),
      webhook_latency(m.histogram_family("webhook_processing_latency_seconds",
                                         "From ingress receipt of a factory webhook to our status event")),
      duplicates(m.counter("factory_duplicate_webhooks_total",
                           "Duplicate factory webhooks (same order_id, status, timestamp): no effect")),
      status_events(
          m.counter_family("factory_status_events_total", "factory.status-changed emitted, by source and applied")),
      missed_webhooks(m.gauge("missed_webhook_count",
                              "Orders in ORDERED/IN_PRODUCTION with no status update for more than the stale "
                              "window")),
      discrepancy_gauge(m.gauge("order_status_discrepancy_count",
                                "Orders whose status differed from the Factory's in the last reconciliation run")),
      discrepancies(m.counter_family("factory_status_discrepancies_total",
                                     "Status discrepancies found, by detector (poll, daily-reconciliation, manual)")),
      polls(m.counter_family("factory_status_polls_total", "Factory status queries, by outcome")),
      runs(m.counter_family("factory_reconciliation_runs_total", "Reconciliation runs, by trigger")) {}

}  // namespace caas::factory
