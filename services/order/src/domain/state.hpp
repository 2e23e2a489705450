#pragma once
// The order states of DESIGN.md §1 and the facts about them that the state
// machine, the API and the events share.

#include <caas/events/factory_status.hpp>

#include <array>
#include <optional>
#include <string_view>

namespace caas::order {

enum class State {
  pending_reservation,
  pending_factory_submission,
  factory_submission_failed,
  ordered,
  in_production,
  assembly_complete,
  quality_check,
  ready_for_shipment,
  shipped,
  arrived_at_dealership,
  ready_for_delivery,
  registered,
  delivered,
  unassigned,
  cancelled,
};

inline constexpr std::array<State, 15> kAllStates{State::pending_reservation,
                                                  State::pending_factory_submission,
                                                  State::factory_submission_failed,
                                                  State::ordered,
                                                  State::in_production,
                                                  State::assembly_complete,
                                                  State::quality_check,
                                                  State::ready_for_shipment,
                                                  State::shipped,
                                                  State::arrived_at_dealership,
                                                  State::ready_for_delivery,
                                                  State::registered,
                                                  State::delivered,
                                                  State::unassigned,
                                                  State::cancelled};

/// "PENDING_RESERVATION", ... (the wire names of the schemas).
std::string_view to_string(State s) noexcept;
std::optional<State> parse_state(std::string_view s) noexcept;

/// ORDERED .. ARRIVED_AT_DEALERSHIP are the Factory's statuses (the event
/// contract's, caas/events/factory_status.hpp), in the same order: these map
/// between the two. nullopt for the states the Factory does not report.
std::optional<events::FactoryStatus> as_factory_status(State s) noexcept;
State from_factory_status(events::FactoryStatus f) noexcept;

/// Position of a Factory-reported status (ORDERED=0 .. ARRIVED_AT_DEALERSHIP=6),
/// nullopt for the states the Factory does not report.
std::optional<int> factory_rank(State s) noexcept;

/// Cancel is allowed only before the Factory builds anything.
bool is_cancellable(State s) noexcept;

/// Whether entering `next` (from `previous`) is a milestone the customer is
/// told about (seed 000 "Status Notification Requirements"; list in README).
bool is_customer_milestone(State previous, State next) noexcept;

}  // namespace caas::order
