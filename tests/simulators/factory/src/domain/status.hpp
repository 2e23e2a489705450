#pragma once
// The Factory's manufacturing statuses (seed 000 state machine) in their
// forward order. The only backward move is QUALITY_CHECK -> IN_PRODUCTION
// (QC failed, rework), decided by the order book, not here.

#include <array>
#include <optional>
#include <string_view>

namespace caas::factory_sim {

enum class Status {
  ordered,
  in_production,
  assembly_complete,
  quality_check,
  ready_for_shipment,
  shipped,
  arrived_at_dealership,
};

inline constexpr std::array<Status, 7> kAllStatuses{
    Status::ordered,        Status::in_production, Status::assembly_complete,    Status::quality_check,
    Status::ready_for_shipment, Status::shipped,   Status::arrived_at_dealership};

/// Wire name, e.g. "IN_PRODUCTION".
std::string_view to_string(Status s) noexcept;
std::optional<Status> parse_status(std::string_view name) noexcept;

/// The next status on the normal path; nullopt for ARRIVED_AT_DEALERSHIP.
std::optional<Status> next_status(Status s) noexcept;
inline bool is_final(Status s) noexcept { return s == Status::arrived_at_dealership; }

}  // namespace caas::factory_sim
