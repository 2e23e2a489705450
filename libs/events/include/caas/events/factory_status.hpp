#pragma once
// The Factory's manufacturing statuses (seed 000 state machine) as they
// appear on the wire: the `status` enum of proto-schemas/ingress.factory-status,
// factory.status-changed, factory.order-placed and factory.discrepancy-found.
// They are part of the event contract, so every producer and consumer of
// those events (webhook-ingress, factory-adapter, order, caas-factory-sim)
// shares this one definition; what a service does with a status (the
// adapter's "applied" rule, the order state machine, the simulator's path)
// stays in that service's domain code.

#include <array>
#include <optional>
#include <string_view>

namespace caas::events {

/// In manufacturing order: the enumerator value is the rank.
enum class FactoryStatus {
  ordered,
  in_production,
  assembly_complete,
  quality_check,
  ready_for_shipment,
  shipped,
  arrived_at_dealership,
};

inline constexpr std::array<FactoryStatus, 7> kAllFactoryStatuses{FactoryStatus::ordered,
                                                                  FactoryStatus::in_production,
                                                                  FactoryStatus::assembly_complete,
                                                                  FactoryStatus::quality_check,
                                                                  FactoryStatus::ready_for_shipment,
                                                                  FactoryStatus::shipped,
                                                                  FactoryStatus::arrived_at_dealership};

/// Wire name, e.g. "IN_PRODUCTION".
std::string_view to_string(FactoryStatus s) noexcept;
/// Exact (case-sensitive) wire name; nullopt for anything else.
std::optional<FactoryStatus> parse_factory_status(std::string_view name) noexcept;

/// Position in the manufacturing sequence (ORDERED = 0 ... ARRIVED_AT_DEALERSHIP = 6).
constexpr int rank(FactoryStatus s) noexcept {
  return static_cast<int>(s);
}

/// The next status on the normal path; nullopt for ARRIVED_AT_DEALERSHIP.
/// (The one backward move, QUALITY_CHECK -> IN_PRODUCTION on a failed
/// quality check, is a rule of whoever decides it, not part of the sequence.)
constexpr std::optional<FactoryStatus> next_factory_status(FactoryStatus s) noexcept {
  if (s == FactoryStatus::arrived_at_dealership) return std::nullopt;
  return static_cast<FactoryStatus>(rank(s) + 1);
}

}  // namespace caas::events
