#pragma once
// The simulator's mutable state, shared by the API handlers, the vehicle
// clock and the webhook senders. One mutex guards it all: every operation on
// it is a few map lookups (a telemetry tick walks the fleet once), so there is
// no lock order to get wrong. Counters go to the control API's stats and to
// Prometheus through the same calls, so the two never disagree.

#include "domain/fault_plan.hpp"
#include "domain/network.hpp"
#include "domain/outbox.hpp"
#include "domain/stats.hpp"
#include "domain/telemetry.hpp"

#include <caas/observability/metrics.hpp>
#include <caas/sim/random.hpp>

#include <mutex>
#include <string>

namespace caas::iot_sim {

/// Prometheus families of the simulator (created once).
struct Probe {
  explicit Probe(observability::Metrics& metrics);

  prometheus::Family<prometheus::Counter>& api_requests;      // {route, outcome}
  prometheus::Family<prometheus::Counter>& command_results;   // {result}
  prometheus::Family<prometheus::Counter>& readings;          // {fate}: taken, lost, duplicated, reordered
  prometheus::Family<prometheus::Counter>& webhook_attempts;  // {stream, response}
  prometheus::Family<prometheus::Counter>& webhooks;          // {stream, outcome}
  prometheus::Gauge& queue_depth;
  prometheus::Gauge& vehicles_online;
};

struct SimState {
  SimState(std::size_t vehicles, NetworkOptions network_options, std::uint64_t random_seed, std::size_t queue_capacity,
           observability::Metrics& metrics);

  std::mutex mutex;
  const std::size_t fleet_size;
  const NetworkOptions network_options;
  const std::uint64_t seed;
  VehicleNetwork network;
  FaultPlan faults;
  Stats stats;
  SeededRandom rng;     // fault draws
  SeededRandom motion;  // how vehicles move, so faults do not change the fleet's journeys
  TelemetryGenerator telemetry;
  WebhookQueue queue;
  TokenBucket bucket;
  Probe probe;

  // Counting helpers; call with `mutex` held.
  void count_request(const std::string& route, const std::string& outcome);
  void count_execution(const Execution& e);
  void count_readings(const TelemetryCounts& c);
  void count_attempt(Stream s, const std::string& response);
  void count_webhook(Stream s, const std::string& outcome);
  WebhookStats& webhook_stats(Stream s) {
    return s == Stream::telemetry ? stats.telemetry_webhooks : stats.command_status_webhooks;
  }
  void update_gauges();
  /// Faults and counters back to the start, random sequences restarted;
  /// with `fleet` also the fleet regenerated from the seed and every command,
  /// message, reading and queued webhook forgotten.
  void reset(bool fleet);
};

}  // namespace caas::iot_sim
