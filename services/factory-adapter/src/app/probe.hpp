#pragma once
// The adapter's metric families (seed 000 "Monitoring and Observability"),
// created once at start-up. Rates (factory_order_success_rate,
// webhook_processing_success_rate) are recording rules over the counters.

#include <caas/observability/metrics.hpp>

namespace caas::factory {

struct Probe {
  explicit Probe(observability::Metrics& m);

  // Placement
  prometheus::Family<prometheus::Counter>& placements;  // factory_order_placements_total{outcome}
  observability::HistogramFamily latency;               // factory_order_latency_seconds{outcome}
  prometheus::Family<prometheus::Counter>& retries;     // factory_order_retries_total{error_class}
  prometheus::Counter& auth_failures;                   // factory_auth_failures_total (critical alert)
  prometheus::Counter& rejections;                      // factory_order_rejections_total (alert)
  prometheus::Family<prometheus::Counter>& tickets;     // factory_support_tickets_total{category}
  prometheus::Gauge& breaker_state;                     // factory_circuit_breaker_state 0/1/2
  prometheus::Counter& breaker_waits;                   // factory_circuit_breaker_waits_total
  prometheus::Gauge& pending;                           // factory_pending_placements

  // Status webhooks
  prometheus::Family<prometheus::Counter>& webhooks;       // webhook_processing_total{outcome}
  observability::HistogramFamily webhook_latency;          // webhook_processing_latency_seconds
  prometheus::Counter& duplicates;                         // factory_duplicate_webhooks_total
  prometheus::Family<prometheus::Counter>& status_events;  // factory_status_events_total{source,applied}

  // Missed webhooks
  prometheus::Gauge& missed_webhooks;                      // missed_webhook_count
  prometheus::Gauge& discrepancy_gauge;                    // order_status_discrepancy_count (last run)
  prometheus::Family<prometheus::Counter>& discrepancies;  // factory_status_discrepancies_total{detected_by}
  prometheus::Family<prometheus::Counter>& polls;          // factory_status_polls_total{outcome}
  prometheus::Family<prometheus::Counter>& runs;           // factory_reconciliation_runs_total{trigger}
};

}  // namespace caas::factory
