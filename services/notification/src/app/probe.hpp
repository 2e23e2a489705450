#pragma once
// The notification service's metric families (issue: sent/failed per channel
// and type, delivery latency from the source event's time, retries, queue
// depth), created once at start-up.

#include "domain/catalogue.hpp"

#include <caas/observability/metrics.hpp>

#include <vector>

namespace caas::notification {

struct Probe {
  explicit Probe(observability::Metrics& m);
  /// Creates every (channel, type) series of the configured channels at 0,
  /// so that rate() and increase() see the first notification, and the first
  /// failure, of each.
  void start_at_zero(const std::vector<Channel>& channels);

  prometheus::Family<prometheus::Counter>& sent;        // notifications_sent_total{channel,type}
  prometheus::Family<prometheus::Counter>& failed;      // notifications_failed_total{channel,type,error_class}
  prometheus::Family<prometheus::Counter>& suppressed;  // notifications_suppressed_duplicate_total{channel}
  prometheus::Family<prometheus::Counter>& retries;     // notification_retries_total{channel,error_code}
  prometheus::Family<prometheus::Counter>& planned;     // notifications_planned_total{channel,type}
  observability::HistogramFamily latency;               // notification_delivery_latency_seconds{channel}
  observability::HistogramFamily attempt;               // notification_send_duration_seconds{channel,outcome}
  prometheus::Family<prometheus::Gauge>& queue_depth;   // notification_queue_depth{channel}
};

}  // namespace caas::notification
