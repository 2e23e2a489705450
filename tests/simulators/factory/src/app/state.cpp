#include "app/state.hpp"

namespace caas::factory_sim {

Probe::Probe(observability::Metrics& metrics)
    : placement_requests(
          metrics.counter_family("factory_sim_placement_requests_total", "POST /api/v1/orders requests by outcome.")),
      status_queries(metrics.counter_family("factory_sim_status_queries_total",
                                            "GET /api/v1/orders/{id}/status requests by outcome.")),
      orders_created(metrics.counter("factory_sim_orders_created_total", "Factory orders created.")),
      status_changes(metrics.counter_family("factory_sim_status_changes_total", "Manufacturing status changes.")),
      webhook_attempts(metrics.counter_family("factory_sim_webhook_attempts_total",
                                              "Webhook delivery attempts by response (HTTP status or error).")),
      webhooks(metrics.counter_family("factory_sim_webhooks_total",
                                      "Webhooks by fate: delivered, failed, dropped, silent, duplicated, reordered.")),
      queue_depth(metrics.gauge("factory_sim_webhook_queue_depth", "Webhooks waiting to be sent.")) {}

void SimState::count_placement(const std::string& outcome) {
  ++stats.placement_requests[outcome];
  probe.placement_requests.Add({{"outcome", outcome}}).Increment();
}

void SimState::count_status_query(const std::string& outcome) {
  ++stats.status_queries[outcome];
  probe.status_queries.Add({{"outcome", outcome}}).Increment();
}

void SimState::count_webhook(const std::string& outcome, std::uint64_t& counter, std::uint64_t n) {
  counter += n;
  probe.webhooks.Add({{"outcome", outcome}}).Increment(static_cast<double>(n));
}

void SimState::count_attempt(const std::string& response) {
  ++stats.webhooks.attempts;
  ++stats.webhooks.responses[response];
  probe.webhook_attempts.Add({{"response", response}}).Increment();
}

void SimState::update_queue_gauge() {
  probe.queue_depth.Set(static_cast<double>(queue.size()));
}

void SimState::reset() {
  faults = FaultPlan{};
  stats = Stats{};
  rng = SeededRandom(seed);
}

}  // namespace caas::factory_sim
