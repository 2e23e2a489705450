#pragma once
// The ota-engine's metric families (names fixed by the OTA contract; the ops
// engineer's alert rules and dashboards read them).

#include "handlers/activation_step.hpp"

#include <caas/observability/metrics.hpp>

namespace caas::ota {

class Probe {
 public:
  explicit Probe(observability::Metrics& m);
  /// What a committed record changed.
  void committed(const Staged& staged);
  void command_sent() { commands_sent_.Increment(); }
  void iot_request(bool success) { (success ? iot_success_ : iot_failure_).Increment(); }
  void set_in_flight(double n) { in_flight_.Set(n); }

 private:
  prometheus::Counter& requested_;
  prometheus::Counter& confirmed_;
  prometheus::Counter& confirmed_first_;
  prometheus::Counter& retries_;
  prometheus::Counter& escalated_;
  observability::HistogramFamily latency_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& commands_sent_;
  prometheus::Counter& iot_success_;
  prometheus::Counter& iot_failure_;
  prometheus::Family<prometheus::Counter>& billing_;
};

}  // namespace caas::ota
