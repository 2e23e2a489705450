#pragma once
// Key layout and codecs of the ota-engine's RocksDB (state column family):
//
//   v/<vin>                      vehicle: online, reported configuration, queue, history, active services
//   a/<activation id>            activation: state machine, attempts, timer
//   t/<due ms, 20 digits>/<id>   timer index (value: vin), read from its head by the timer sweeper
//   o/<vin>                      owner {customer_id, since_ms, platform} (order.delivered, ota.transfer-owner)
//   i/<caller>/<idempotency key> {fingerprint, activation_id} (the API)
//   e/<event id>                 an outcome, billing or ticket event already on its topic (a replay does not re-emit
//   it)

#include "domain/activation.hpp"

#include <caas/store/state_store.hpp>

#include <functional>
#include <optional>
#include <string>

namespace caas::ota {

namespace keys {
std::string vehicle(std::string_view vin);
std::string activation(std::string_view id);
std::string timer(std::int64_t due_ms, std::string_view id);
inline constexpr std::string_view kTimerPrefix = "t/";
std::string owner(std::string_view vin);
std::string idempotency(std::string_view caller, std::string_view key);
std::string emitted(std::string_view event_id);
}  // namespace keys

struct Owner {
  std::string customer_id;
  std::int64_t since_ms = 0;
  std::string platform;  // from order.delivered's platform_base, when it is a catalogue platform
};
std::string encode(const Owner& o);
std::optional<Owner> decode_owner(std::string_view json);

struct DueTimer {
  std::int64_t due_ms = 0;
  std::string activation_id;
  std::string vin;
};

class OtaStore {
 public:
  explicit OtaStore(store::StateStore& store) : store_(store) {}
  store::StateStore& raw() { return store_; }

  std::optional<Vehicle> vehicle(std::string_view vin) const;
  std::optional<Activation> activation(std::string_view id) const;
  std::optional<Owner> owner(std::string_view vin) const;
  bool emitted(std::string_view event_id) const;
  /// Timers due at or before `now`, earliest first, at most `limit`.
  std::vector<DueTimer> due_timers(std::int64_t now, std::size_t limit) const;
  /// Activations not in a terminal state (start-up gauge).
  std::size_t count_in_flight() const;

 private:
  store::StateStore& store_;
};

}  // namespace caas::ota
