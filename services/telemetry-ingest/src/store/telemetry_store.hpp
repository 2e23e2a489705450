#pragma once
// The key layout and codecs of telemetry-ingest's RocksDB store
// ($CAAS_DATA_DIR/telemetry-ingest/, "state" column family):
//
//   v/<vin>                               vehicle record: latest state, dedup window, connectivity, counts
//   tl/<vin>/<time ms hex16>/<seq hex16>  status timeline, in reading-time order (bounded per vehicle)
//   cx/<vin>/<from ms hex16>              connectivity log: online intervals (bounded per vehicle)
//   dl/<deadline ms hex16>/<vin>          deadline index of online vehicles, in deadline order:
//                                         the sweeper reads only its head (what is due)
//   own/<vin>                             owner (order.delivered), from the whole order topic
//   fl/<vin>, fc                          fleet view (from caas.vehicle.events.v1, every partition)
//                                         and its counters
//
// Offsets of the three input topics live side by side in the store's offsets
// family (each topic is read by one processor), so one store holds everything.

#include "domain/fleet.hpp"
#include "domain/vehicle.hpp"

#include <caas/store/state_store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caas::telemetry {

namespace keys {
inline constexpr std::string_view kDeadlinePrefix = "dl/";
inline constexpr std::string_view kFleetCounters = "fc";
std::string vehicle(std::string_view vin);
std::string timeline_prefix(std::string_view vin);
std::string timeline(std::string_view vin, std::int64_t time_ms, std::uint64_t seq);
std::string interval_prefix(std::string_view vin);
std::string interval(std::string_view vin, std::int64_t from_ms);
std::string deadline(std::int64_t deadline_ms, std::string_view vin);
/// (deadline, vin) of a deadline key; nullopt if it is not one.
std::optional<std::pair<std::int64_t, std::string>> parse_deadline(std::string_view key);
std::string owner(std::string_view vin);
std::string fleet(std::string_view vin);
}  // namespace keys

/// The vehicle's state plus the store's bookkeeping of its bounded lists.
struct VehicleRecord {
  VehicleState state;
  std::uint64_t timeline_entries = 0;
  std::uint64_t intervals = 0;
  bool operator==(const VehicleRecord&) const = default;
};

std::string encode_vehicle(const VehicleRecord& r);
std::optional<VehicleRecord> decode_vehicle(std::string_view json, std::uint32_t window_size);
/// The API's view of the latest state (GET .../state).
std::string vehicle_view(const VehicleState& s);

std::string encode_timeline_entry(const Reading& r, SeqVerdict verdict);
std::string encode_interval(const OnlineInterval& i);
std::optional<OnlineInterval> decode_interval(std::string_view json);

std::string encode_fleet_entry(const FleetEntry& e);
std::optional<FleetEntry> decode_fleet_entry(std::string_view json);
std::string encode_counters(const FleetCounters& c);
FleetCounters decode_counters(std::string_view json);

struct Owner {
  std::string customer_id;
  std::string order_id;
  std::string delivered_at;
};
std::string encode_owner(const Owner& o);
std::optional<Owner> decode_owner(std::string_view json);

struct TimelinePage {
  std::vector<std::string> items;  // entry JSON, oldest first
  std::string next_cursor;         // "" when there is no more
};

/// Typed reads over the service's StateStore (writes go through WriteTxn).
class TelemetryStore {
 public:
  TelemetryStore(store::StateStore& store, std::uint32_t window_size) : store_(store), window_size_(window_size) {}

  std::optional<VehicleRecord> vehicle(std::string_view vin) const;
  /// First (oldest) timeline key of the vehicle, if any.
  std::optional<std::string> oldest_timeline_key(std::string_view vin) const;
  /// Entries with from_ms <= time <= to_ms, after `cursor` (a key suffix from
  /// a previous page), at most `limit`.
  TimelinePage timeline(std::string_view vin, std::int64_t from_ms, std::int64_t to_ms, const std::string& cursor,
                        std::size_t limit) const;
  std::vector<OnlineInterval> intervals(std::string_view vin) const;
  std::optional<std::string> oldest_interval_key(std::string_view vin) const;
  bool has(std::string_view key) const { return store_.get(key).has_value(); }
  /// Deadline index entries due at `now_ms` (deadline <= now_ms), oldest
  /// first, starting after the key `after` ("" = from the head).
  std::vector<std::pair<std::int64_t, std::string>> due(std::int64_t now_ms, std::size_t max,
                                                        const std::string& after = "") const;
  std::optional<Owner> owner(std::string_view vin) const;
  std::optional<FleetEntry> fleet_entry(std::string_view vin) const;
  FleetCounters counters() const;

  store::StateStore& raw() { return store_; }
  std::uint32_t window_size() const { return window_size_; }

 private:
  store::StateStore& store_;
  std::uint32_t window_size_;
};

}  // namespace caas::telemetry
