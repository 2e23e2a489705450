#pragma once
// Serialises writers of one factory order record (fo/<id>).
//
// Two writers change a factory order: the status handler (on the consumer
// thread; its write is committed by the EventProcessor *after* the handler
// returns, together with the processed id and offset) and the reconciler
// (poll / daily run, commits itself). A plain mutex cannot span the
// processor's commit, so the handler announces the revision it is about to
// have committed, and the reconciler, before reading a record, waits (bounded)
// until the store shows that revision. The reconciler holds the mutex for its
// whole read-modify-commit, so the handler never reads a half-done change.

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
  /// Handler side: run `fn` under the mutex; `fn` returns the revision it put
  /// in its transaction (0 = it wrote nothing).
  template <class Fn>
  auto handler_section(const std::string& factory_order_id, Fn&& fn) {
    std::lock_guard lock(mutex_);
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
    const auto deadline = std::chrono::steady_clock::now() + max_wait;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        auto record = store.factory_order(factory_order_id);
        if (!record) return false;
        auto it = announced_.find(factory_order_id);
        if (it == announced_.end() || record->rev >= it->second) {
          if (it != announced_.end()) announced_.erase(it);
          fn(*record);
          return true;
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      // The processor commits within milliseconds of the handler returning;
      // there is nothing to block on, so re-check shortly.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  /// Placement worker: creates a record under the mutex.
  template <class Fn>
  auto creator_section(Fn&& fn) {
    std::lock_guard lock(mutex_);
    return fn();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> announced_;
};

}  // namespace caas::factory
