#pragma once
// The order state machine of DESIGN.md §1 as one pure function:
//   decide(current order or none, input, context) -> Applied{new order, events} | Refused{why, current state}
// No clock, no store, no Kafka: "now" and the cause come in the context (the
// consumed record's envelope), so a replay of the same log gives the same
// orders field by field.

#include "domain/inputs.hpp"
#include "domain/order.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace caas::order {

struct Policy {
  std::chrono::milliseconds payment_deadline{std::chrono::hours(24 * 14)};
};

struct Context {
  std::string order_id;  // the record key (= subject)
  Cause cause;           // the input's id/type/principal/correlation id
  std::string now;       // RFC 3339: the input's envelope time
  Policy policy;
};

/// An event the transition emits; `type` picks topic and schema.
struct Emitted {
  std::string type;  // order.created, order.status-changed, ..., factory.place-order
  std::string data;  // JSON object valid against proto-schemas/<type>.v1.json
};

struct Applied {
  Order order;
  std::vector<Emitted> events;
  std::optional<State> from;  // set when the state changed
  std::optional<State> to;
};

enum class RefusalKind {
  illegal_transition,  // not allowed in the current state
  not_found,           // no such order
  already_exists,      // register-sale for an existing id
  duplicate,           // this input was applied already
  mismatch,            // e.g. the handover VIN is not the registered VIN
};
std::string_view to_string(RefusalKind k) noexcept;

struct Refused {
  RefusalKind kind;
  std::string message;
  std::optional<State> current_state;
};

using Outcome = std::variant<Applied, Refused>;

Outcome decide(const std::optional<Order>& current, const Input& input, const Context& ctx);

/// "<role>:<subject>" for a principal, "<type>:<id>" for an event.
std::string describe_cause(const Cause& c);

}  // namespace caas::order
