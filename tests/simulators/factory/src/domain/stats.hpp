#pragma once
// Counters behind GET /control/stats, which tests compare with the
// platform's final state (how many orders, how many webhooks never arrived).

#include <cstdint>
#include <map>
#include <string>

namespace caas::factory_sim {

struct WebhookStats {
  std::uint64_t generated = 0;                     // status changes to report (silent ones included)
  std::uint64_t silent = 0;                        // never sent: status in silent_statuses
  std::uint64_t dropped = 0;                       // never sent: drop fault
  std::uint64_t duplicated = 0;                    // extra copies queued
  std::uint64_t reordered = 0;                     // held back behind the order's next webhook
  std::uint64_t queue_full = 0;                    // not queued: the bounded queue was full
  std::uint64_t sent = 0;                          // deliveries whose first attempt was made
  std::uint64_t attempts = 0;                      // HTTP attempts, retries included
  std::uint64_t retries = 0;                       // attempts after the first
  std::uint64_t delivered = 0;                     // deliveries answered 2xx
  std::uint64_t failed = 0;                        // deliveries given up (retries exhausted, 400, ...)
  std::map<std::string, std::uint64_t> responses;  // per attempt: "200", "503", "timeout", "network_error", "down"
  std::uint64_t waiting = 0;                       // snapshot: queued, not being sent
  std::uint64_t in_flight = 0;                     // snapshot: being sent now
};

struct Stats {
  std::uint64_t orders_created = 0;
  std::uint64_t duplicate_key_hits = 0;                     // same Idempotency-Key + same body: first answer replayed
  std::uint64_t key_conflicts = 0;                          // same key, different body: 409
  std::map<std::string, std::uint64_t> placement_requests;  // by outcome
  std::map<std::string, std::uint64_t> status_queries;      // by outcome
  std::uint64_t status_changes = 0;
  std::uint64_t qc_failures = 0;
  WebhookStats webhooks;

  std::string to_json() const;
};

}  // namespace caas::factory_sim
