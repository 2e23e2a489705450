#include "domain/state.hpp"

namespace caas::order {

namespace {
constexpr std::array<std::string_view, kAllStates.size()> kNames{
    "PENDING_RESERVATION",   "PENDING_FACTORY_SUBMISSION", "FACTORY_SUBMISSION_FAILED",
    "ORDERED",               "IN_PRODUCTION",              "ASSEMBLY_COMPLETE",
    "QUALITY_CHECK",         "READY_FOR_SHIPMENT",         "SHIPPED",
    "ARRIVED_AT_DEALERSHIP", "READY_FOR_DELIVERY",         "REGISTERED",
    "DELIVERED",             "UNASSIGNED",                 "CANCELLED"};
}  // namespace

std::string_view to_string(State s) noexcept { return kNames[static_cast<std::size_t>(s)]; }

std::optional<State> parse_state(std::string_view s) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return kAllStates[i];
  }
  return std::nullopt;
}

std::optional<int> factory_rank(State s) noexcept {
  const int v = static_cast<int>(s);
  const int first = static_cast<int>(State::ordered);
  const int last = static_cast<int>(State::arrived_at_dealership);
  if (v < first || v > last) return std::nullopt;
  return v - first;
}

bool is_cancellable(State s) noexcept {
  return s == State::pending_reservation || s == State::pending_factory_submission ||
         s == State::factory_submission_failed;
}

bool is_customer_milestone(State previous, State next) noexcept {
  switch (next) {
    case State::ordered:                    // placement confirmed
    case State::ready_for_shipment:         // quality control passed
    case State::shipped:
    case State::arrived_at_dealership:      // with the final-payment reminder
    case State::ready_for_delivery:         // "delivery scheduled" (balance paid)
    case State::registered:
    case State::delivered:
    case State::factory_submission_failed:  // delay; the reservation stays valid
    case State::unassigned:
      return true;
    case State::in_production:
      // "Manufacturing started" once; a QC rework back to IN_PRODUCTION is not news to the customer.
      return previous != State::quality_check;
    default:
      return false;
  }
}

}  // namespace caas::order
