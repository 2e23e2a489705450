#include "store/ota_store.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <cstdio>

namespace caas::ota {

namespace json = caas::events::json;

namespace keys {
std::string vehicle(std::string_view vin) {
  return "v/" + std::string(vin);
}
std::string activation(std::string_view id) {
  return "a/" + std::string(id);
}
std::string timer(std::int64_t due_ms, std::string_view id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(due_ms < 0 ? 0 : due_ms));
  return "t/" + std::string(buf) + "/" + std::string(id);
}
std::string owner(std::string_view vin) {
  return "o/" + std::string(vin);
}
std::string idempotency(std::string_view caller, std::string_view key) {
  return "i/" + std::string(caller) + "/" + std::string(key);
}
std::string emitted(std::string_view event_id) {
  return "e/" + std::string(event_id);
}
}  // namespace keys

std::string encode(const Owner& o) {
  json::Writer w;
  w.begin_object().field("customer_id", o.customer_id).field("since_ms", o.since_ms);
  w.field("platform", o.platform).end_object();
  return w.str();
}

std::optional<Owner> decode_owner(std::string_view text) {
  auto d = events::parse_strict_json(text);
  if (!d || !d->IsObject()) return std::nullopt;
  return Owner{json::str(*d, "customer_id"), json::int64(*d, "since_ms").value_or(0), json::str(*d, "platform")};
}

std::optional<Vehicle> OtaStore::vehicle(std::string_view vin) const {
  auto v = store_.get(keys::vehicle(vin));
  if (!v) return std::nullopt;
  return decode_vehicle(*v);
}

std::optional<Activation> OtaStore::activation(std::string_view id) const {
  auto v = store_.get(keys::activation(id));
  if (!v) return std::nullopt;
  return decode_activation(*v);
}

std::optional<Owner> OtaStore::owner(std::string_view vin) const {
  auto v = store_.get(keys::owner(vin));
  if (!v) return std::nullopt;
  return decode_owner(*v);
}

bool OtaStore::emitted(std::string_view event_id) const {
  return store_.get(keys::emitted(event_id)).has_value();
}

std::vector<DueTimer> OtaStore::due_timers(std::int64_t now, std::size_t limit) const {
  std::vector<DueTimer> out;
  store_.scan_prefix(keys::kTimerPrefix, [&](std::string_view key, std::string_view value) {
    // t/<20 digits>/<id>
    if (key.size() < 24) return true;
    const auto due = std::stoll(std::string(key.substr(2, 20)));
    if (due > now || out.size() >= limit) return false;
    out.push_back(DueTimer{due, std::string(key.substr(23)), std::string(value)});
    return true;
  });
  return out;
}

std::size_t OtaStore::count_in_flight() const {
  std::size_t n = 0;
  store_.scan_prefix("a/", [&](std::string_view, std::string_view value) {
    auto a = decode_activation(value);
    if (a && !terminal(a->state)) ++n;
    return true;
  });
  return n;
}

}  // namespace caas::ota
