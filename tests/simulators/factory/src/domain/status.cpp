#include "domain/status.hpp"

namespace caas::factory_sim {

namespace {
constexpr std::array<std::string_view, 7> kNames{"ORDERED",         "IN_PRODUCTION",      "ASSEMBLY_COMPLETE",
                                                 "QUALITY_CHECK",   "READY_FOR_SHIPMENT", "SHIPPED",
                                                 "ARRIVED_AT_DEALERSHIP"};
}  // namespace

std::string_view to_string(Status s) noexcept { return kNames[static_cast<std::size_t>(s)]; }

std::optional<Status> parse_status(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return kAllStatuses[i];
  }
  return std::nullopt;
}

std::optional<Status> next_status(Status s) noexcept {
  if (is_final(s)) return std::nullopt;
  return static_cast<Status>(static_cast<int>(s) + 1);
}

}  // namespace caas::factory_sim
