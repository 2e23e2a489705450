#include "app/state.hpp"

#include <algorithm>

namespace caas::iot_sim {

namespace {

VehicleNetwork make_network(std::size_t vehicles, std::uint64_t seed, const NetworkOptions& options) {
  // The fleet has its own generator: the same --seed and --vehicles give
  // the same VINs whatever faults are drawn later.
  SeededRandom rng(seed);
  return VehicleNetwork(generate_fleet(vehicles, rng), options);
}

}  // namespace

Probe::Probe(observability::Metrics& metrics)
    : api_requests(metrics.counter_family("iot_sim_api_requests_total", "API IoT requests by route and outcome.")),
      command_results(metrics.counter_family("iot_sim_command_results_total",
                                             "Configuration commands executed by result (APPLIED, REJECTED, FAILED).")),
      readings(metrics.counter_family("iot_sim_readings_total",
                                      "Telemetry readings by fate: taken, lost, duplicated, reordered.")),
      webhook_attempts(
          metrics.counter_family("iot_sim_webhook_attempts_total",
                                 "Webhook delivery attempts by stream and response (HTTP status or error).")),
      webhooks(metrics.counter_family("iot_sim_webhooks_total",
                                      "Webhooks by stream and fate: queued, delivered, failed, queue_full.")),
      queue_depth(metrics.gauge("iot_sim_webhook_queue_depth", "Webhooks waiting to be sent.")),
      vehicles_online(metrics.gauge("iot_sim_vehicles_online", "Simulated vehicles currently online.")) {}

SimState::SimState(std::size_t vehicles, NetworkOptions options, std::uint64_t random_seed, std::size_t queue_capacity,
                   observability::Metrics& metrics)
    : fleet_size(vehicles),
      network_options(options),
      seed(random_seed),
      network(make_network(vehicles, random_seed, options)),
      rng(random_seed + 1),
      motion(random_seed + 2),
      queue(queue_capacity),
      probe(metrics) {
  update_gauges();
}

void SimState::count_request(const std::string& route, const std::string& outcome) {
  auto& counts = route == "configuration" ? stats.configuration_requests
                 : route == "status"      ? stats.status_queries
                                          : stats.display_messages;
  ++counts[outcome];
  probe.api_requests.Add({{"route", route}, {"outcome", outcome}}).Increment();
}

void SimState::count_execution(const Execution& e) {
  switch (e.result) {
    case CommandResult::applied:
      ++stats.commands.applied;
      if (e.partial) ++stats.commands.partial;
      break;
    case CommandResult::rejected:
      ++stats.commands.rejected;
      break;
    case CommandResult::failed:
      ++stats.commands.failed;
      if (e.error_code == "VEHICLE_OFFLINE") ++stats.commands.expired;
      break;
    case CommandResult::accepted:
      break;
  }
  probe.command_results.Add({{"result", std::string(to_string(e.result))}}).Increment();
}

void SimState::count_readings(const TelemetryCounts& c) {
  auto& t = stats.telemetry;
  t.readings_taken += c.taken;
  t.readings_lost += c.lost;
  t.readings_duplicated += c.duplicated;
  t.readings_reordered += c.reordered;
  const std::pair<const char*, std::uint64_t> fates[] = {
      {"taken", c.taken}, {"lost", c.lost}, {"duplicated", c.duplicated}, {"reordered", c.reordered}};
  for (const auto& [fate, n] : fates) {
    if (n > 0) probe.readings.Add({{"fate", fate}}).Increment(static_cast<double>(n));
  }
}

void SimState::count_attempt(Stream s, const std::string& response) {
  auto& w = webhook_stats(s);
  ++w.attempts;
  ++w.responses[response];
  probe.webhook_attempts.Add({{"stream", std::string(to_string(s))}, {"response", response}}).Increment();
}

void SimState::count_webhook(Stream s, const std::string& outcome) {
  auto& w = webhook_stats(s);
  if (outcome == "queued") ++w.queued;
  if (outcome == "queue_full") ++w.queue_full;
  if (outcome == "delivered") ++w.delivered;
  if (outcome == "failed") ++w.failed;
  probe.webhooks.Add({{"stream", std::string(to_string(s))}, {"outcome", outcome}}).Increment();
}

void SimState::update_gauges() {
  probe.queue_depth.Set(static_cast<double>(queue.waiting()));
  const auto& vs = network.vehicles();
  probe.vehicles_online.Set(
      static_cast<double>(std::count_if(vs.begin(), vs.end(), [](const Vehicle& v) { return v.online; })));
}

void SimState::reset(bool fleet) {
  faults = FaultPlan{};
  stats = Stats{};
  rng = SeededRandom(seed + 1);
  bucket = TokenBucket{};
  for (auto& v : network.vehicles()) v.flap_until.reset();
  if (fleet) {
    network = make_network(fleet_size, seed, network_options);
    motion = SeededRandom(seed + 2);
    telemetry.clear();
    queue.clear();
  }
  update_gauges();
}

}  // namespace caas::iot_sim
