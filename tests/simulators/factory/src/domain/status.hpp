#pragma once
// The Factory's manufacturing statuses (seed 000 state machine) are the event
// contract's (caas/events/factory_status.hpp): the simulator speaks the same
// wire names in the same forward order. The only backward move is
// QUALITY_CHECK -> IN_PRODUCTION (QC failed, rework), decided by the order
// book, not here.

#include <caas/events/factory_status.hpp>

namespace caas::factory_sim {

using Status = events::FactoryStatus;
using events::to_string;
inline constexpr const auto& kAllStatuses = events::kAllFactoryStatuses;

/// Wire name, e.g. "IN_PRODUCTION"; nullopt for anything else.
inline std::optional<Status> parse_status(std::string_view name) noexcept {
  return events::parse_factory_status(name);
}

/// The next status on the normal path; nullopt for ARRIVED_AT_DEALERSHIP.
inline std::optional<Status> next_status(Status s) noexcept {
  return events::next_factory_status(s);
}
inline bool is_final(Status s) noexcept {
  return s == Status::arrived_at_dealership;
}

}  // namespace caas::factory_sim
