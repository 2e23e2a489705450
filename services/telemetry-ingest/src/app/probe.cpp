#include "app/probe.hpp"

#include "domain/fleet.hpp"
#include "domain/vehicle_events.hpp"

namespace caas::telemetry {

namespace {
// From receipt at the ingress to the state committed here: milliseconds when
// keeping up, minutes after an outage.
prometheus::Histogram::BucketBoundaries lag_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}
}  // namespace

Probe::Probe(observability::Metrics& m)
    : readings(m.counter_family("telemetry_readings_total",
                                "Telemetry readings by outcome: fresh (latest state), out_of_order (timeline only), "
                                "duplicate and too_old (dropped)")),
      events(m.counter_family("vehicle_events_emitted_total", "Events written to caas.vehicle.events.v1, by type")),
      lag(m.histogram_family("telemetry_processing_lag_seconds",
                             "From the reading's receipt at the ingress (received_at) to its state being committed",
                             lag_buckets())),
      offline_by_silence(m.counter("vehicle_offline_detections_total",
                                   "Vehicles found offline by the deadline sweeper (silence past the timeout)")),
      known(m.gauge("vehicles_known", "Vehicles that ever reported (fleet view: all partitions)")),
      online(m.gauge("vehicles_online", "Vehicles online now (fleet view: all partitions)")),
      connectivity_rate(m.gauge("vehicle_connectivity_rate",
                                "Share of the known fleet online now, 0..1 (seed 004: alert below 0.95)")),
      partitions_served(m.gauge("telemetry_partitions_served",
                                "Partitions of caas.ingress.iot-telemetry.v1 whose vehicles this replica serves")),
      deadlines_due(m.gauge("telemetry_offline_deadlines_due",
                            "Offline deadlines passed and not yet acted on at the last sweep")) {
  for (const char* outcome : {"fresh", "out_of_order", "duplicate", "too_old"}) readings.Add({{"outcome", outcome}});
  for (auto type : {kTypeOnline, kTypeOffline, kTypeConfigurationReported, kTypeDiagnosticRaised,
                    kTypeDiagnosticCleared, kTypeOperationalStateChanged}) {
    events.Add({{"type", std::string(type)}});
  }
}

void Probe::reading(std::string_view outcome) {
  readings.Add({{"outcome", std::string(outcome)}}).Increment();
}

void Probe::emitted(std::string_view type) {
  events.Add({{"type", std::string(type)}}).Increment();
}

void Probe::fleet(const FleetCounters& c) {
  known.Set(static_cast<double>(c.known));
  online.Set(static_cast<double>(c.online));
  connectivity_rate.Set(c.online_ratio());
}

}  // namespace caas::telemetry
