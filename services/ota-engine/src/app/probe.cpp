#include "app/probe.hpp"

namespace caas::ota {

namespace {
// Payment -> confirmed: seconds when the vehicle answers, minutes with retries (alert > 5 min).
prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
}
}  // namespace

Probe::Probe(observability::Metrics& m)
    : requested_(m.counter("ota_activations_requested_total", "Activations requested (purchases accepted)")),
      confirmed_(m.counter("ota_activations_confirmed_total",
                           "Activations confirmed: APPLIED and the reported configuration equals the desired one")),
      confirmed_first_(
          m.counter("ota_activations_confirmed_first_attempt_total", "Activations confirmed with their first command")),
      retries_(m.counter("ota_activation_retries_total", "For each confirmed activation, its commands minus one")),
      escalated_(
          m.counter("ota_activations_escalated_total", "Activations and deactivations escalated to technical support")),
      latency_(m.histogram_family("ota_activation_latency_seconds",
                                  "From the purchase accepted to the activation confirmed", latency_buckets())),
      in_flight_(m.gauge("ota_activations_in_flight", "Activations and deactivations not in a terminal state")),
      commands_sent_(m.counter("ota_commands_sent_total", "Configuration commands posted to the API IoT")),
      iot_success_(m.counter("ota_iot_requests_total", "API IoT calls by result (failure: timeout, connection, 5xx)",
                             {{"result", "success"}})),
      iot_failure_(m.counter("ota_iot_requests_total", "API IoT calls by result (failure: timeout, connection, 5xx)",
                             {{"result", "failure"}})),
      billing_(m.counter_family("ota_billing_events_total", "Billing events emitted, by type")) {
  for (const char* t : {"billing.charge-requested", "billing.charge-waived", "billing.charge-stopped"}) {
    billing_.Add({{"type", t}});
  }
}

void Probe::committed(const Staged& staged) {
  requested_.Increment(staged.requested);
  in_flight_.Increment(staged.accepted);
  for (const auto& f : staged.finished) {
    in_flight_.Decrement();
    if (f.state == State::active) {
      confirmed_.Increment();
      if (f.attempts <= 1) confirmed_first_.Increment();
      retries_.Increment(std::max(0, f.attempts - 1));
      latency_.with({}).Observe(std::max(0.0, f.latency_seconds));
    } else if (f.state == State::escalated) {
      escalated_.Increment();
    }
  }
  for (const auto& t : staged.billing_types) billing_.Add({{"type", t}}).Increment();
}

}  // namespace caas::ota
