#include "domain/state.hpp"

namespace caas::order {

namespace {
constexpr int kFirstFactoryState = static_cast<int>(State::ordered);

// The Factory's statuses sit in State as one run in the contract's order, so
// a status maps to the state of the same name by its rank.
constexpr State at_rank(events::FactoryStatus f) {
  return static_cast<State>(kFirstFactoryState + events::rank(f));
}
static_assert(at_rank(events::FactoryStatus::ordered) == State::ordered &&
              at_rank(events::FactoryStatus::in_production) == State::in_production &&
              at_rank(events::FactoryStatus::assembly_complete) == State::assembly_complete &&
              at_rank(events::FactoryStatus::quality_check) == State::quality_check &&
              at_rank(events::FactoryStatus::ready_for_shipment) == State::ready_for_shipment &&
              at_rank(events::FactoryStatus::shipped) == State::shipped &&
              at_rank(events::FactoryStatus::arrived_at_dealership) == State::arrived_at_dealership);
}  // namespace

std::optional<events::FactoryStatus> as_factory_status(State s) noexcept {
  const int offset = static_cast<int>(s) - kFirstFactoryState;
  if (offset < 0 || offset >= static_cast<int>(events::kAllFactoryStatuses.size())) return std::nullopt;
  return events::kAllFactoryStatuses[static_cast<std::size_t>(offset)];
}

State from_factory_status(events::FactoryStatus f) noexcept {
  return at_rank(f);
}

std::string_view to_string(State s) noexcept {
  if (auto f = as_factory_status(s)) return events::to_string(*f);
  switch (s) {
    case State::pending_reservation:
      return "PENDING_RESERVATION";
    case State::pending_factory_submission:
      return "PENDING_FACTORY_SUBMISSION";
    case State::factory_submission_failed:
      return "FACTORY_SUBMISSION_FAILED";
    case State::ready_for_delivery:
      return "READY_FOR_DELIVERY";
    case State::registered:
      return "REGISTERED";
    case State::delivered:
      return "DELIVERED";
    case State::unassigned:
      return "UNASSIGNED";
    case State::cancelled:
      return "CANCELLED";
    default:
      return "";  // the Factory's statuses, answered above
  }
}

std::optional<State> parse_state(std::string_view s) noexcept {
  if (auto f = events::parse_factory_status(s)) return from_factory_status(*f);
  for (State st : kAllStates) {
    if (!as_factory_status(st) && to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::optional<int> factory_rank(State s) noexcept {
  if (auto f = as_factory_status(s)) return events::rank(*f);
  return std::nullopt;
}

bool is_cancellable(State s) noexcept {
  return s == State::pending_reservation || s == State::pending_factory_submission ||
         s == State::factory_submission_failed;
}

bool is_customer_milestone(State previous, State next) noexcept {
  switch (next) {
    case State::ordered:             // placement confirmed
    case State::assembly_complete:   // the manufacturing milestone (seed 000)
    case State::ready_for_shipment:  // quality control passed
    case State::shipped:
    case State::arrived_at_dealership:  // with the final-payment reminder
    case State::ready_for_delivery:     // "delivery scheduled" (balance paid)
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
