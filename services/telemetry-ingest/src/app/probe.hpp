#pragma once
// telemetry-ingest's metric families, created once (names from seed 004's
// "Monitoring and Observability" where it gives them:
// vehicle_connectivity_rate, its alert threshold < 95 %).

#include <caas/observability/metrics.hpp>

#include <string_view>

namespace caas::telemetry {

struct FleetCounters;

struct Probe {
  explicit Probe(observability::Metrics& m);

  /// telemetry_readings_total{outcome}: fresh, out_of_order (applied to the
  /// timeline only), duplicate and too_old (dropped).
  void reading(std::string_view outcome);
  void emitted(std::string_view type);
  /// The fleet gauges from the fleet view's counters (every replica has all).
  void fleet(const FleetCounters& c);

  prometheus::Family<prometheus::Counter>& readings;  // telemetry_readings_total{outcome}
  prometheus::Family<prometheus::Counter>& events;    // vehicle_events_emitted_total{type}
  observability::HistogramFamily lag;                 // telemetry_processing_lag_seconds
  prometheus::Counter& offline_by_silence;            // vehicle_offline_detections_total
  prometheus::Gauge& known;                           // vehicles_known
  prometheus::Gauge& online;                          // vehicles_online
  prometheus::Gauge& connectivity_rate;               // vehicle_connectivity_rate (0..1)
  prometheus::Gauge& partitions_served;               // telemetry_partitions_served
  prometheus::Gauge& deadlines_due;                   // telemetry_offline_deadlines_due
};

}  // namespace caas::telemetry
