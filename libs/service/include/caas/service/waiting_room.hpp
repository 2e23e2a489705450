#pragma once
// WaitingRoom: records set aside until their aggregate is known
// (DESIGN.md §3 "Waiting for an aggregate").
//
// A record for an aggregate the consumer does not know *yet* (a Factory
// webhook that overtook its placement, an IoT acknowledgement that overtook
// its command) must not wait in its partition's path: every other key of the
// partition would wait with it. The EventProcessor sets it aside here instead,
// in the same atomic store write that advances the partition's offset, and
// takes it back — in arrival order, before anything later for the same key —
// once the aggregate is known, or dead-letters it when its grace runs out.
//
// This class owns only the store layout and a small in-memory index; the
// processor decides when to set aside, release and expire. Layout, in the
// service's state column family, one namespace per consumer group (two
// processors of one service never share a group):
//   __waiting/<group>/r/<topic>/<hex key>/<partition:05>/<offset:020>  -> the record
//   __waiting/<group>/d/<deadline ms:015>/<topic>/<hex key>/<partition:05>/<offset:020> -> ""
// The key is hex-encoded so any record key (slashes, bytes) stays one path
// segment; offset order is arrival order, since a key lives on one partition.
//
// Threading: used by the processor's loop thread only.

#include <caas/kafka/consumer.hpp>
#include <caas/store/state_store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caas::service {

struct WaitOptions {
  /// How long a record may wait for its aggregate before it is dead-lettered
  /// (permanent). Services that receive webhooks share this with the
  /// ingress's unknown-order grace (CAAS_INGRESS_UNKNOWN_ORDER_GRACE).
  std::chrono::milliseconds grace{std::chrono::minutes{10}};
  /// Bounds: beyond them a record is dead-lettered at once, with the reason.
  std::size_t max_per_key = 100;
  std::size_t max_total = 10000;
  /// Safety net for a release that was never signalled (a crash between the
  /// commit that made an aggregate known and the signal): every waiting key
  /// is tried again this often.
  std::chrono::milliseconds recheck_interval{std::chrono::seconds{5}};
};

/// One record set aside: the original, untouched, and why and until when it waits.
struct WaitingRecord {
  kafka::ConsumedRecord record;
  std::int64_t timestamp_ms = -1;     // the record's Kafka timestamp
  std::int64_t waiting_since_ms = 0;  // wall clock, when it was set aside
  std::int64_t deadline_ms = 0;       // wall clock, waiting_since + grace
  std::string reason;                 // the handler's words
};

class WaitingRoom {
 public:
  enum class Admission { admitted, key_full, room_full };

  WaitingRoom(store::StateStore& store, std::string group, WaitOptions options);

  /// Rebuilds the in-memory index from the store (start-up, after a crash).
  void load();

  const WaitOptions& options() const { return options_; }
  std::size_t total() const { return total_; }
  std::size_t waiting_for(std::string_view topic, std::string_view key) const;
  bool has_waiting(std::string_view topic, std::string_view key) const { return waiting_for(topic, key) > 0; }
  Admission admission(std::string_view topic, std::string_view key) const;

  /// Adds the record's entries to `txn`. Call noted_set_aside() once `txn`
  /// committed (the index follows the store, never leads it).
  void set_aside(store::WriteTxn& txn, const WaitingRecord& waiting) const;
  void noted_set_aside(std::string_view topic, std::string_view key);

  /// Removes the record's entries in `txn`; noted_removed() after the commit.
  void remove(store::WriteTxn& txn, const WaitingRecord& waiting) const;
  void noted_removed(std::string_view topic, std::string_view key);

  /// Everything waiting for (topic, key), in arrival order.
  std::vector<WaitingRecord> waiting(std::string_view topic, std::string_view key) const;
  /// The same, read from the store only (no in-memory index): safe from any
  /// thread, e.g. a worker asking whether the log already holds a record
  /// that the processor has not applied yet.
  std::vector<WaitingRecord> stored(std::string_view topic, std::string_view key) const;
  /// Up to `max` records accepted by `filter` whose deadline is at or before
  /// `now_ms`, earliest first (the filter skips partitions owned elsewhere).
  std::vector<WaitingRecord> overdue(std::int64_t now_ms, std::size_t max,
                                     const std::function<bool(const WaitingRecord&)>& filter) const;
  /// Every (topic, key) with records waiting.
  std::vector<std::pair<std::string, std::string>> keys() const;

  /// Value codec, exposed for tests and tooling.
  static std::string encode(const WaitingRecord& waiting);
  static std::optional<WaitingRecord> decode(std::string_view bytes);

 private:
  std::string record_prefix() const;
  std::string key_prefix(std::string_view topic, std::string_view key) const;
  std::string record_key(const WaitingRecord& waiting) const;
  std::string deadline_key(const WaitingRecord& waiting) const;

  store::StateStore& store_;
  std::string root_;  // "__waiting/<group>/"
  WaitOptions options_;
  static std::string index_key(std::string_view topic, std::string_view key);

  std::map<std::string, std::size_t, std::less<>> counts_;  // index_key(topic, key) -> records waiting
  std::size_t total_ = 0;
};

}  // namespace caas::service
