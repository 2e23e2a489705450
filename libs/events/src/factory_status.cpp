#include "caas/events/factory_status.hpp"

#include <cstddef>

namespace caas::events {

namespace {
constexpr std::array<std::string_view, kAllFactoryStatuses.size()> kNames{
    "ORDERED", "IN_PRODUCTION",        "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT",
    "SHIPPED", "ARRIVED_AT_DEALERSHIP"};

// kAllFactoryStatuses, the enumerators and kNames must stay index-aligned.
constexpr bool aligned() {
  for (std::size_t i = 0; i < kAllFactoryStatuses.size(); ++i) {
    if (rank(kAllFactoryStatuses[i]) != static_cast<int>(i)) return false;
  }
  return true;
}
static_assert(aligned());
}  // namespace

std::string_view to_string(FactoryStatus s) noexcept {
  return kNames[static_cast<std::size_t>(rank(s))];
}

std::optional<FactoryStatus> parse_factory_status(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return kAllFactoryStatuses[i];
  }
  return std::nullopt;
}

}  // namespace caas::events
