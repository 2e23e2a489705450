#pragma once
// The `data` of every event the adapter emits (proto-schemas/factory.*.v1,
// support.ticket-opened.v1) and their deterministic ids. Pure.
//
// Ids are derived from what caused the event (the input event id, or the
// order + idempotency key for a placement outcome), so a replay from an empty
// store, or a crash between the Factory's answer and our commit followed by a
// retry, re-emits the *same* ids and every consumer's dedup absorbs them.

#include "clients/factory_api.hpp"
#include "domain/placement.hpp"
#include "domain/status.hpp"

#include <caas/events/ids.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caas::factory {

inline constexpr std::string_view kEventSource = "caas/factory-adapter";
inline constexpr std::string_view kFactoryEventsTopic = "caas.factory.events.v1";
inline constexpr std::string_view kFactoryCommandsTopic = "caas.factory.commands.v1";
inline constexpr std::string_view kIngressStatusTopic = "caas.ingress.factory-status.v1";
inline constexpr std::string_view kTicketsTopic = "caas.support.tickets.v1";

/// The ids of the events below: derive_event_id(kind, basis), a name-based
/// UUID shared with webhook-ingress (caas/events/ids.hpp).
using events::derive_event_id;

// The event types of caas.factory.events.v1 the projection reads.
inline constexpr std::string_view kOrderPlaced = "factory.order-placed";
inline constexpr std::string_view kOrderRejected = "factory.order-rejected";
inline constexpr std::string_view kSubmissionFailed = "factory.submission-failed";
inline constexpr std::string_view kStatusChanged = "factory.status-changed";

std::string order_placed_data(std::string_view order_id, const Created& c, int attempts);
std::string order_rejected_data(std::string_view order_id, const Rejected& r, int attempts, std::string_view at);

struct SubmissionFailure {
  std::string order_id;
  resilience::ErrorClass error_class = resilience::ErrorClass::unknown;
  int http_status = 0;
  int attempts = 1;
  std::string last_error;
  bool critical = false;
  std::string ticket_id;
  std::string failed_at;
};
std::string submission_failed_data(const SubmissionFailure& f);

/// Optional webhook details carried into factory.status-changed.
struct StatusDetails {
  std::string estimated_completion_date;
  std::string notes;
  std::string location;
};
std::string status_changed_data(std::string_view order_id, std::string_view factory_order_id, const StatusEntry& entry,
                                std::optional<FactoryStatus> previous, const StatusDetails& details = {});

struct DiscrepancyFound {
  std::string order_id;
  std::string factory_order_id;
  FactoryStatus caas_status = FactoryStatus::ordered;
  FactoryStatus factory_status = FactoryStatus::ordered;
  std::string detected_by;  // poll | daily-reconciliation | manual
  std::string action;       // corrected | ticket-opened | none
  std::string detected_at;
  std::string details;
};
std::string discrepancy_data(const DiscrepancyFound& d);

struct Ticket {
  std::string ticket_id;
  std::string category;  // factory-submission-failed | factory-auth-failure | factory-discrepancy
  std::string severity;  // low | medium | high | critical
  std::string title;
  std::string description;
  std::string order_id;
  std::string factory_order_id;
  std::string customer_id;
  std::string opened_at;
};
std::string ticket_data(const Ticket& t);

/// The deterministic id of that ticket (per order + idempotency key), so the
/// projection can name the ticket of a rejection the event does not carry.
std::string placement_ticket_id(PlacementAction action, std::string_view order_id, std::string_view idempotency_key);

/// The ticket a placement that gave up opens (action rejected, auth_failed
/// or exhausted). Deterministic id per order + idempotency key.
Ticket placement_ticket(PlacementAction action, std::string_view order_id, std::string_view idempotency_key,
                        std::string_view customer_id, std::string_view why, int attempts, std::string_view at);

}  // namespace caas::factory
