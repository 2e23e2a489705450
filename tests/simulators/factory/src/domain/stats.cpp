#include "domain/stats.hpp"

#include "domain/json_out.hpp"

namespace caas::factory_sim {

using sim::write_count, sim::write_counts;

std::string Stats::to_json() const {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_count(w, "orders_created", orders_created);
    write_count(w, "duplicate_key_hits", duplicate_key_hits);
    write_count(w, "key_conflicts", key_conflicts);
    write_counts(w, "placement_requests", placement_requests);
    write_counts(w, "status_queries", status_queries);
    write_count(w, "status_changes", status_changes);
    write_count(w, "qc_failures", qc_failures);
    write_string(w, "webhooks");
    w.StartObject();
    write_count(w, "generated", webhooks.generated);
    write_count(w, "silent", webhooks.silent);
    write_count(w, "dropped", webhooks.dropped);
    write_count(w, "duplicated", webhooks.duplicated);
    write_count(w, "reordered", webhooks.reordered);
    write_count(w, "queue_full", webhooks.queue_full);
    write_count(w, "sent", webhooks.sent);
    write_count(w, "attempts", webhooks.attempts);
    write_count(w, "retries", webhooks.retries);
    write_count(w, "delivered", webhooks.delivered);
    write_count(w, "failed", webhooks.failed);
    write_counts(w, "responses", webhooks.responses);
    write_count(w, "waiting", webhooks.waiting);
    write_count(w, "in_flight", webhooks.in_flight);
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace caas::factory_sim
