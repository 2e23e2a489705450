#pragma once
// Counters behind GET /control/stats, which tests compare with what the
// platform recorded (commands executed once, acknowledgements never sent,
// readings lost on purpose, webhooks given up).

#include <cstdint>
#include <map>
#include <string>

namespace caas::iot_sim {

struct WebhookStats {
  std::uint64_t queued = 0;
  std::uint64_t queue_full = 0;  // not queued: the bounded queue was full
  std::uint64_t attempts = 0;    // HTTP attempts, retries included
  std::uint64_t retries = 0;     // attempts after the first
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;                        // given up (permanent status or attempts exhausted)
  std::map<std::string, std::uint64_t> responses;  // per attempt: "200", "503", "timeout", "network_error"
  std::uint64_t waiting = 0;                       // snapshot
  std::uint64_t in_flight = 0;                     // snapshot
};

struct CommandStats {
  std::uint64_t received = 0;           // distinct (vin, command_id)
  std::uint64_t repeated_requests = 0;  // POSTs of a command id already received
  std::uint64_t held = 0;               // arrived while the vehicle was offline
  std::uint64_t applied = 0;            // APPLIED, partial included
  std::uint64_t partial = 0;
  std::uint64_t rejected = 0;
  std::uint64_t failed = 0;     // FAILED, expired included
  std::uint64_t expired = 0;    // FAILED VEHICLE_OFFLINE after the TTL
  std::uint64_t acks_lost = 0;  // commands whose webhooks are never sent
};

struct TelemetryStats {
  std::uint64_t readings_taken = 0;
  std::uint64_t readings_lost = 0;  // gap fault
  std::uint64_t readings_duplicated = 0;
  std::uint64_t readings_reordered = 0;
  std::uint64_t readings_queued = 0;  // copies included
  std::uint64_t batches = 0;
};

struct Stats {
  std::map<std::string, std::uint64_t> configuration_requests;  // by outcome
  std::map<std::string, std::uint64_t> status_queries;          // by outcome
  std::map<std::string, std::uint64_t> display_messages;        // by outcome
  CommandStats commands;
  TelemetryStats telemetry;
  WebhookStats telemetry_webhooks;
  WebhookStats command_status_webhooks;
  std::uint64_t vehicles = 0;         // snapshot
  std::uint64_t vehicles_online = 0;  // snapshot

  std::string to_json() const;
};

}  // namespace caas::iot_sim
