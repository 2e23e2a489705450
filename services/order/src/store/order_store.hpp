#pragma once
// Key layout of the order service's state (column family `state` of
// caas::store; offsets, processed ids and the outbox are the library's):
//
//   order/<order id>            order document (domain/order.hpp, storage form)
//   seq/<PP>/<year>             last order-number sequence of partition PP in that year
//   out/<command id>            outcome of an API command: {"applied":bool,"order_id",...}
//   deadline/<order id>         payment deadline (RFC 3339) while ARRIVED_AT_DEALERSHIP
//   __parked/<topic>/<key>      written by the EventProcessor (dead-lettered key)
//
// The same layout is used by the partition owner's store ($CAAS_DATA_DIR/order)
// and by the read-model replica ($CAAS_DATA_DIR/order-view): both are
// produced by the same handler from caas.order.commands.v1.

#include "domain/order.hpp"

#include <caas/store/state_store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::order::keys {

inline constexpr std::string_view kOrderPrefix = "order/";
inline constexpr std::string_view kDeadlinePrefix = "deadline/";
std::string order(std::string_view id);
std::string sequence(int partition, int year);
std::string outcome(std::string_view command_id);
std::string deadline(std::string_view order_id);

}  // namespace caas::order::keys

namespace caas::order {

/// What became of an API command (written by whoever applied it).
struct CommandOutcome {
  bool applied = false;
  std::string order_id;
  std::string error;  // refusal kind, e.g. illegal_transition
  std::string message;
  std::string current_state;  // empty when unknown
};
std::string encode_outcome(const CommandOutcome& o);
std::optional<CommandOutcome> decode_outcome(std::string_view json);

std::optional<Order> load_order(const store::StateStore& store, std::string_view id);
std::vector<Order> load_all_orders(const store::StateStore& store);
std::uint64_t load_sequence(const store::StateStore& store, int partition, int year);

}  // namespace caas::order
