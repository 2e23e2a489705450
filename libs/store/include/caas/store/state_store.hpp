#pragma once
// The transactional-outbox state store every service uses (DESIGN.md §4, §5).
//
// One RocksDB database per service with column families:
//   state      service-defined keys and values
//   processed  event ids already applied (dedup), with the source position
//   offsets    topic/partition -> next offset to consume
//   outbox     records to produce; key = 8-byte big-endian sequence number, so
//              key order = commit order
//   meta       store bookkeeping (outbox high-water mark, replay flag, ...)
//
// A handler builds a WriteTxn (state change + processed id + consumed offset +
// events to emit) and commits it as ONE RocksDB WriteBatch: a crash leaves
// either all of it or none of it. The OutboxRelay then produces the outbox.
//
// Threading: all methods are thread-safe. Commits are serialised by a mutex
// (outbox sequence numbers are assigned and written under it, so a reader never
// sees sequence N+1 before N). The store does not provide read-your-writes
// isolation between concurrent handlers for the same key: DESIGN.md §2 gives
// each aggregate a single owner (its partition's consumer), which provides that.
//
// Errors: commit()/remove_outbox() report I/O failures as caas::Result (the
// caller may retry or stop consuming); reads throw StoreError on an I/O or
// corruption error (unexpected, nothing sensible to do locally); open() throws.

#include <chrono>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "caas/core/result.hpp"
#include "caas/kafka/record.hpp"

namespace caas::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

/// Where a processed event came from: lets prune_processed() forget ids that
/// lie far behind the committed offset.
struct SourcePosition {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

struct OutboxEntry {
  std::uint64_t seq = 0;
  kafka::Record record;
};

struct StoreOptions {
  /// Default durability of commit(): fsync the WAL before returning. Turn off
  /// during bulk replay (the log is the source of truth; a crash mid-replay
  /// just replays again), then back on with set_sync_commits(true).
  bool sync_commits = true;
  bool create_if_missing = true;
};

struct CommitOptions {
  std::optional<bool> sync;  // unset = the store's current default
};

struct CommitInfo {
  std::uint64_t first_outbox_seq = 0;  // 0 when nothing was enqueued
  std::size_t outbox_count = 0;
};

/// A batch builder: records operations; nothing happens until commit().
class WriteTxn {
 public:
  void put(std::string key, std::string value);
  void del(std::string key);
  void mark_processed(std::string event_id);
  void mark_processed(std::string event_id, const SourcePosition& from);
  void set_offset(const std::string& topic, std::int32_t partition, std::int64_t next_offset);
  void enqueue(kafka::Record record);
  void put_meta(std::string key, std::string value);

  bool empty() const { return ops_.empty() && outbox_.empty(); }
  std::size_t outbox_count() const { return outbox_.size(); }

 private:
  friend class StateStore;
  enum class Family : std::uint8_t { state, processed, offsets, meta };
  struct Op {
    Family family;
    bool is_delete;
    std::string key;
    std::string value;
  };
  std::vector<Op> ops_;
  std::vector<kafka::Record> outbox_;
};

class StateStore {
 public:
  /// Opens (creating if missing) the store at `path`. Throws StoreError with
  /// the path and RocksDB's reason on failure (locked by another process,
  /// corrupt, permission denied ...).
  static std::unique_ptr<StateStore> open(const std::filesystem::path& path, StoreOptions options = {});
  /// Deletes the database at `path` (must not be open). For "wipe and replay".
  static void destroy(const std::filesystem::path& path);

  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::filesystem::path& path() const;

  // ---- writes ----
  caas::Result<CommitInfo> commit(WriteTxn&& txn, CommitOptions options = {});
  void set_sync_commits(bool sync);
  /// Removes delivered outbox entries. Idempotent (removing a missing entry is
  /// fine). Not fsynced: losing a removal in a crash only re-sends the record,
  /// which consumers dedup by event id.
  caas::Result<void> remove_outbox(const std::vector<std::uint64_t>& seqs);
  /// Deletes processed ids whose source position is in `older_than` with an
  /// offset strictly below the given one. Returns how many were removed. Ids
  /// recorded without a position are kept forever. Full scan: run it rarely.
  caas::Result<std::size_t> prune_processed(const std::map<TopicPartition, std::int64_t>& older_than);
  /// Empties every column family (state, processed, offsets, outbox, meta).
  /// Outbox sequence numbers keep increasing. Do not run with a relay attached.
  caas::Result<void> clear();

  // ---- reads ----
  std::optional<std::string> get(std::string_view key) const;
  /// Visits keys starting with `prefix` in byte order until `fn` returns false.
  void scan_prefix(std::string_view prefix,
                   const std::function<bool(std::string_view key, std::string_view value)>& fn) const;
  bool is_processed(std::string_view event_id) const;
  std::optional<SourcePosition> processed_position(std::string_view event_id) const;
  std::size_t processed_count() const;
  std::optional<std::int64_t> offset(const std::string& topic, std::int32_t partition) const;
  std::map<TopicPartition, std::int64_t> all_offsets() const;
  std::optional<std::string> get_meta(std::string_view key) const;

  // ---- outbox ----
  std::size_t outbox_size() const;
  /// Up to `max` entries with seq >= from_seq, in sequence order.
  std::vector<OutboxEntry> read_outbox(std::uint64_t from_seq, std::size_t max) const;
  /// Highest sequence number ever assigned (0 = none).
  std::uint64_t outbox_last_seq() const;

  /// Called after every commit that enqueued records, with the new last seq,
  /// outside the commit mutex. Must be quick and must not call
  /// add/remove_outbox_listener. Returns an id for removal.
  std::uint64_t add_outbox_listener(std::function<void(std::uint64_t last_seq)> listener);
  void remove_outbox_listener(std::uint64_t id);

  // ---- replay bookkeeping (meta) ----
  bool replay_complete() const;
  caas::Result<void> set_replay_complete(bool complete);

 private:
  struct Impl;
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Compact length-prefixed binary encoding of a record (outbox values).
/// Exposed for tooling and tests.
std::string encode_record(const kafka::Record& record);
std::optional<kafka::Record> decode_record(std::string_view bytes);

/// Meta keys used by the store itself.
inline constexpr std::string_view kMetaReplayComplete = "replay_complete";
inline constexpr std::string_view kMetaOutboxNextSeq = "outbox_next_seq";

}  // namespace caas::store
