#include "app/state.hpp"

namespace caas::push_sim {

Probe::Probe(observability::Metrics& metrics)
    : requests(metrics.counter_family("push_sim_requests_total", "POST /v1/messages answers by outcome.")),
      held(metrics.counter("push_sim_held_total", "POST /v1/messages answers held by a hold fault.")),
      stored(metrics.gauge("push_sim_messages_stored", "Messages the gateway holds as delivered.")) {}

void SimState::count_answer(int status, const std::string& outcome) {
  stats.count_answer(status);
  probe.requests.Add({{"outcome", outcome}}).Increment();
  probe.stored.Set(static_cast<double>(book.size()));
}

void SimState::count_held() {
  ++stats.held;
  probe.held.Increment();
}

void SimState::reset() {
  book.clear();
  faults = FaultPlan{};
  stats = Stats{};
  rng = SeededRandom(seed);
  probe.stored.Set(0);
}

}  // namespace caas::push_sim
