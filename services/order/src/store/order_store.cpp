#include "store/order_store.hpp"

#include "domain/json_util.hpp"

#include <caas/events/json.hpp>

#include <charconv>
#include <cstdio>

namespace caas::order::keys {

std::string order(std::string_view id) {
  return std::string(kOrderPrefix).append(id);
}

std::string sequence(int partition, int year) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "seq/%02d/%04d", partition, year);
  return buf;
}

std::string outcome(std::string_view command_id) {
  return std::string("out/").append(command_id);
}

std::string deadline(std::string_view order_id) {
  return std::string(kDeadlinePrefix).append(order_id);
}

}  // namespace caas::order::keys

namespace caas::order {

std::string encode_outcome(const CommandOutcome& o) {
  json::Writer w;
  w.begin_object().field("applied", o.applied).field("order_id", o.order_id).field_if("error", o.error);
  w.field_if("message", o.message).field_if("current_state", o.current_state).end_object();
  return w.str();
}

std::optional<CommandOutcome> decode_outcome(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  const auto& v = doc.value();
  return CommandOutcome{json::boolean(v, "applied"), json::str(v, "order_id"), json::str(v, "error"),
                        json::str(v, "message"), json::str(v, "current_state")};
}

std::optional<Order> load_order(const store::StateStore& store, std::string_view id) {
  auto text = store.get(keys::order(id));
  if (!text) return std::nullopt;
  auto o = order_from_json(*text);
  if (!o) throw store::StoreError("corrupt order document " + std::string(id) + ": " + o.error().message);
  return std::move(o.value());
}

std::vector<Order> load_all_orders(const store::StateStore& store) {
  std::vector<Order> out;
  store.scan_prefix(keys::kOrderPrefix, [&out](std::string_view, std::string_view value) {
    if (auto o = order_from_json(value)) out.push_back(std::move(o.value()));
    return true;
  });
  return out;
}

std::uint64_t load_sequence(const store::StateStore& store, int partition, int year) {
  auto text = store.get(keys::sequence(partition, year));
  std::uint64_t v = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), v);
  return v;
}

}  // namespace caas::order
