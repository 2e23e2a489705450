#include "domain/stats.hpp"

#include "domain/json_out.hpp"

namespace caas::iot_sim {

namespace {

using sim::write_counts;

void write_webhooks(JsonWriter& w, std::string_view key, const WebhookStats& s) {
  write_string(w, key);
  w.StartObject();
  write_count(w, "queued", s.queued);
  write_count(w, "queue_full", s.queue_full);
  write_count(w, "attempts", s.attempts);
  write_count(w, "retries", s.retries);
  write_count(w, "delivered", s.delivered);
  write_count(w, "failed", s.failed);
  write_counts(w, "responses", s.responses);
  write_count(w, "waiting", s.waiting);
  write_count(w, "in_flight", s.in_flight);
  w.EndObject();
}

}  // namespace

std::string Stats::to_json() const {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_count(w, "vehicles", vehicles);
    write_count(w, "vehicles_online", vehicles_online);
    write_counts(w, "configuration_requests", configuration_requests);
    write_counts(w, "status_queries", status_queries);
    write_counts(w, "display_messages", display_messages);
    write_string(w, "commands");
    w.StartObject();
    write_count(w, "received", commands.received);
    write_count(w, "repeated_requests", commands.repeated_requests);
    write_count(w, "held", commands.held);
    write_count(w, "applied", commands.applied);
    write_count(w, "partial", commands.partial);
    write_count(w, "rejected", commands.rejected);
    write_count(w, "failed", commands.failed);
    write_count(w, "expired", commands.expired);
    write_count(w, "acks_lost", commands.acks_lost);
    w.EndObject();
    write_string(w, "telemetry");
    w.StartObject();
    write_count(w, "readings_taken", telemetry.readings_taken);
    write_count(w, "readings_lost", telemetry.readings_lost);
    write_count(w, "readings_duplicated", telemetry.readings_duplicated);
    write_count(w, "readings_reordered", telemetry.readings_reordered);
    write_count(w, "readings_queued", telemetry.readings_queued);
    write_count(w, "batches", telemetry.batches);
    w.EndObject();
    write_webhooks(w, "telemetry_webhooks", telemetry_webhooks);
    write_webhooks(w, "command_status_webhooks", command_status_webhooks);
    w.EndObject();
  });
}

}  // namespace caas::iot_sim
