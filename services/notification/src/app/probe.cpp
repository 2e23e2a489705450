#include "app/probe.hpp"

#include <algorithm>

namespace caas::notification {

namespace {
// Delivery latency spans a direct send (ms) and a retried one (minutes).
prometheus::Histogram::BucketBoundaries delivery_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600};
}
}  // namespace

Probe::Probe(observability::Metrics& m)
    : sent(
          m.counter_family("notifications_sent_total", "Notifications accepted by their channel, by channel and type")),
      failed(m.counter_family("notifications_failed_total",
                              "Notifications given up (notification.failed + dead letter), by channel, type and "
                              "error class (permanent, transient-exhausted)")),
      suppressed(m.counter_family("notifications_suppressed_duplicate_total",
                                  "Redelivered or replayed source events whose notification was already sent or "
                                  "failed: nothing sent")),
      retries(
          m.counter_family("notification_retries_total", "Send attempts that will be retried, by channel and code")),
      planned(m.counter_family("notifications_planned_total", "Notifications planned from source events")),
      latency(m.histogram_family("notification_delivery_latency_seconds",
                                 "From the source event's time to acceptance by the channel", delivery_buckets())),
      attempt(m.histogram_family("notification_send_duration_seconds",
                                 "One send attempt (SMTP transaction, push or API IoT call), by outcome")),
      queue_depth(m.gauge_family("notification_queue_depth", "Notifications waiting to be sent, by channel")) {}

void Probe::start_at_zero(const std::vector<Channel>& channels) {
  for (const auto channel : channels) {
    const std::string name(to_string(channel));
    suppressed.Add({{"channel", name}});
    queue_depth.Add({{"channel", name}});
    for (const auto& kind : catalogue()) {
      if (std::find(kind.channels.begin(), kind.channels.end(), channel) == kind.channels.end()) continue;
      const std::string type(kind.type);
      planned.Add({{"channel", name}, {"type", type}});
      sent.Add({{"channel", name}, {"type", type}});
      for (const char* error_class : {"permanent", "transient-exhausted"}) {
        failed.Add({{"channel", name}, {"type", type}, {"error_class", error_class}});
      }
    }
  }
}

}  // namespace caas::notification
