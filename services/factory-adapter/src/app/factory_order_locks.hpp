#pragma once
// Serialises writers of one factory order record (fo/<id>).
//
// Four writers change a factory order: three handlers, each on its own
// consumer thread — the status handler, the projection of
// caas.factory.events.v1 (only while it rebuilds a lost store) and the
// place-order handler (it completes a rebuilt record with the customer id) —
// whose writes are committed by their EventProcessor *after* the handler
// returns, together with the processed id and offset; and the reconciler
// (poll / daily run), which commits itself. A plain mutex cannot span a
// processor's commit, so a handler announces the revision it is about to have
// committed, and every writer, before reading a record, waits (bounded) until
// the store shows the revision announced for it. The reconciler holds the
// mutex for its whole read-modify-commit, so a handler never reads a half-done
// change.

#include "store/adapter_store.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace caas::factory {

class FactoryOrderLocks {
 public:
  /// Handler side: once any announced revision of the order is committed,
  /// runs `fn` under the mutex; `fn` returns (in `written_rev`) the revision
  /// it put in its transaction (0 = it wrote nothing). If the wait runs out
  /// (an announced transaction was dropped, e.g. dead-lettered) `fn` runs
  /// anyway: the store is then the only truth there is.
  template <class Fn>
  auto handler_section(AdapterStore& store, const std::string& factory_order_id, Fn&& fn,
                       std::chrono::milliseconds max_wait = std::chrono::seconds(2)) {
    bool committed = false;
    auto lock = lock_committed(store, factory_order_id, max_wait, committed);
    auto result = fn();
    if (result.written_rev > 0) announced_[factory_order_id] = result.written_rev;
    return result;
  }

  /// Reconciler side: waits until any announced revision of the order is
  /// committed, then runs `fn(current record)` under the mutex. Returns false
  /// when the wait timed out (the commit is stuck: try again next round) or
  /// the record does not exist.
  bool writer_section(AdapterStore& store, const std::string& factory_order_id,
                      const std::function<void(FactoryOrder&)>& fn,
                      std::chrono::milliseconds max_wait = std::chrono::seconds(2)) {
    bool committed = false;
    auto lock = lock_committed(store, factory_order_id, max_wait, committed);
    if (!committed) return false;
    auto record = store.factory_order(factory_order_id);
    if (!record) return false;
    fn(*record);
    return true;
  }

 private:
  /// The mutex, taken once the store shows the revision announced for the
  /// order (or none is announced): `committed`. When `max_wait` runs out
  /// first the mutex is returned held with `committed` false.
  std::unique_lock<std::mutex> lock_committed(AdapterStore& store, const std::string& factory_order_id,
                                              std::chrono::milliseconds max_wait, bool& committed) {
    const auto deadline = std::chrono::steady_clock::now() + max_wait;
    for (;;) {
      std::unique_lock lock(mutex_);
      auto it = announced_.find(factory_order_id);
      if (it == announced_.end()) {
        committed = true;
        return lock;
      }
      if (auto record = store.factory_order(factory_order_id); record && record->rev >= it->second) {
        announced_.erase(it);
        committed = true;
        return lock;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        committed = false;
        return lock;
      }
      lock.unlock();
      // The processor commits within milliseconds of the handler returning;
      // there is nothing to block on, so re-check shortly.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  std::mutex mutex_;
  std::map<std::string, std::uint64_t> announced_;
};

}  // namespace caas::factory
