#pragma once
// Topic names, event types, deterministic ids and the data of everything the
// ota-engine writes (its outcomes, billing, tickets, and the commands and
// observations on its own command topic). Pure builders.

#include "domain/activation.hpp"

#include <string>
#include <string_view>

namespace caas::ota {

inline constexpr std::string_view kCommandsTopic = "caas.ota.commands.v1";
inline constexpr std::string_view kOtaEventsTopic = "caas.ota.events.v1";
inline constexpr std::string_view kBillingTopic = "caas.billing.events.v1";
inline constexpr std::string_view kTicketsTopic = "caas.support.tickets.v1";
inline constexpr std::string_view kCommandStatusTopic = "caas.ingress.iot-command-status.v1";
inline constexpr std::string_view kVehicleEventsTopic = "caas.vehicle.events.v1";
inline constexpr std::string_view kOrderEventsTopic = "caas.order.events.v1";
inline constexpr std::string_view kEventSource = "caas/ota-engine";

std::string iso_ms(std::int64_t ms);

/// One event to emit: topic, type, key, data and its deterministic id.
struct EventSpec {
  std::string_view topic;
  std::string_view type;
  std::string key;
  std::string data;
  std::string id;
};

/// What a finished activation emits, in order: the outcome on caas.ota.events.v1,
/// then billing (exactly one per activation when there is one), then the ticket.
/// `service` may be null (a catalogue entry removed since the request).
std::vector<EventSpec> outcome_events(const Activation& a, const Vehicle& v, const ServiceDefinition* service,
                                      int resolution_hours);

std::string ticket_id(const Activation& a);

// ---- the command topic ----
struct RequestCommand {
  std::string activation_id, vin, customer_id, service_code, platform, payment_authorization, idempotency_key,
      requested_by;
  Operation operation = Operation::activation;
  std::int64_t requested_ms = 0;
};
std::string request_data(const RequestCommand& r);
std::optional<RequestCommand> parse_request(std::string_view data);
std::string request_event_id(const std::string& activation_id);

struct TransferCommand {
  std::string vin, customer_id, previous_customer_id, transferred_by;
  std::int64_t at_ms = 0;
};
std::string transfer_data(const TransferCommand& t);
std::optional<TransferCommand> parse_transfer(std::string_view data);

std::string posted_data(const PostCommand& p, const PostResult& r, std::int64_t at_ms);
std::string posted_event_id(const PostCommand& p);
/// The attempt and result of an ota.command-posted.
std::optional<std::pair<std::string, PostResult>> parse_posted(std::string_view data);

std::string status_data(const StatusQuery& q, const StatusSnapshot& s, int http_status, std::int64_t at_ms);
std::string status_event_id(const StatusQuery& q);
/// activation id + snapshot of an ota.status-observed.
std::optional<std::pair<std::string, StatusSnapshot>> parse_status_observed(std::string_view data);

std::string timer_data(const std::string& activation_id, const std::string& vin, std::uint64_t seq, std::int64_t due_ms,
                       std::int64_t fired_ms);
std::string timer_event_id(const std::string& activation_id, std::uint64_t seq);
struct TimerFired {
  std::string activation_id;
  std::uint64_t seq = 0;
};
std::optional<TimerFired> parse_timer(std::string_view data);

/// An acknowledgement from caas.ingress.iot-command-status.v1.
struct AckRecord {
  std::string vin;
  Acknowledgement ack;
};
std::optional<AckRecord> parse_ack(std::string_view data);

}  // namespace caas::ota
