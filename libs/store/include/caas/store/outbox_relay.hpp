#pragma once
// OutboxRelay: the background thread that produces a StateStore's outbox
// through a kafka::RecordSink and removes each entry only after the sink
// reported successful delivery.
//
// Guarantees and their limits:
// - At-least-once. An entry is removed after its delivery report says OK, so a
//   crash between produce and removal re-sends it on restart. Every record
//   carries a CloudEvents id and consumers dedup by it (DESIGN.md §4).
// - Order. Entries are handed to the sink strictly in sequence (commit) order.
//   If the sink answers queue_full or rejected, nothing after that entry is
//   sent until it is accepted. If a delivery fails, the relay stops sending,
//   waits for every in-flight report, backs off, then re-sends every entry that
//   was not acknowledged, again in order. Records acknowledged after a failed
//   one stay acknowledged: with librdkafka's idempotent producer a failed
//   record fails the later in-flight records of its partition as well, so in
//   practice per-partition order is preserved; without idempotence it is not.
// - Bounded. At most max_in_flight entries are read from the store and not yet
//   removed (in flight + awaiting removal).
// - A record the sink rejects permanently (unknown topic, too large) blocks the
//   relay: skipping it would break the outbox guarantee. It is reported through
//   on_error with backoff; producers validate records before enqueueing.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "caas/kafka/record.hpp"
#include "caas/store/state_store.hpp"

namespace caas::store {

struct RelayOptions {
  std::size_t max_in_flight = 1000;
  /// Backoff after queue_full/rejected/failed delivery: doubles from initial to max.
  std::chrono::milliseconds retry_backoff_initial{20};
  std::chrono::milliseconds retry_backoff_max{2000};
  /// Fault-injection seam for the crash acceptance test: after this many
  /// records were accepted by the sink the relay sends nothing more (it keeps
  /// running and removing acknowledged entries), so a parent process can
  /// SIGKILL the service between "store written" and "record produced".
  /// Never set in production.
  std::optional<std::size_t> stop_after_n_sends;
  /// Called (from the relay or the sink's delivery thread) for every failed
  /// delivery, rejected send or store error — for logs. Must be quick.
  std::function<void(const std::string& what, std::uint64_t seq)> on_error;
};

struct RelayStats {
  std::uint64_t sent_total = 0;        // accepted by the sink (incl. re-sends)
  std::uint64_t delivered_total = 0;   // acknowledged and removed from the store
  std::uint64_t failed_total = 0;      // delivery reports with an error
  std::uint64_t queue_full_total = 0;  // sink backpressure answers
  std::uint64_t rejected_total = 0;    // sink permanent rejections
  std::uint64_t in_flight = 0;         // sent, report pending
  std::uint64_t pending = 0;           // not yet delivered (upper bound)
};

class OutboxRelay {
 public:
  /// `store` and `sink` must outlive the relay's thread (stop() or destruction).
  OutboxRelay(StateStore& store, kafka::RecordSink& sink, RelayOptions options = {});
  ~OutboxRelay();  // stop(now)
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  void start();
  /// Stops taking new work after the deadline: keeps delivering what is in the
  /// outbox until it is drained or `deadline` passes, then joins the thread.
  /// Returns true when drained. Undelivered entries stay in the store.
  bool stop(std::chrono::steady_clock::time_point deadline);
  /// Waits until every outbox entry committed so far has been delivered and
  /// removed. Returns false on timeout.
  bool wait_until_drained(std::chrono::steady_clock::time_point deadline) const;

  /// Waits until `predicate(stats())` holds (re-checked on every relay state
  /// change). Returns false on timeout. For tests and shutdown probes.
  bool wait_until(const std::function<bool(const RelayStats&)>& predicate,
                  std::chrono::steady_clock::time_point deadline) const;

  RelayStats stats() const;
  std::uint64_t pending() const { return stats().pending; }
  std::uint64_t sent_total() const { return stats().sent_total; }
  std::uint64_t failed_total() const { return stats().failed_total; }

 private:
  struct Shared;  // shared with in-flight delivery callbacks, which may outlive the relay
  void run();

  StateStore& store_;
  kafka::RecordSink& sink_;
  RelayOptions options_;
  std::shared_ptr<Shared> shared_;
  std::uint64_t listener_id_ = 0;
  std::thread thread_;
};

}  // namespace caas::store
