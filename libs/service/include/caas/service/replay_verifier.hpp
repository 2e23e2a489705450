#pragma once
// Replay verification (DESIGN.md §5 "State and replay", `caasctl verify
// replay SERVICE`): the store is a cache of the log, so a shadow state rebuilt
// from the log must equal the live one.
//
// A run:
//   1. reads the live store's applied offsets (every partition of the
//      service's input topics it has a position for) — the input position the
//      live state corresponds to;
//   2. opens an empty shadow store in a temporary directory under the data
//      directory and builds the service's handlers over it (ShadowFactory);
//   3. replays each input topic from the beginning with fresh consumers (a
//      group of their own, no group commits) through the same EventProcessor
//      logic, each partition up to the live offset and no further; outputs
//      (the outbox, dead letters) stay in the shadow store and are dropped
//      with it: nothing is produced;
//   4. compares the two stores key by key over the service's domain key
//      prefixes (bookkeeping — offsets, processed ids, outbox, meta — lives in
//      other column families and is not compared) and reports every
//      difference (the list bounded, the counts whole).
// The live service keeps running: a live offset that moved during the run is
// reported (`live_moved`), since the live state may then be ahead of the shadow.

#include <caas/core/result.hpp>
#include <caas/events/schema_registry.hpp>
#include <caas/http/server.hpp>
#include <caas/kafka/config.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/caller_auth.hpp>
#include <caas/service/event_processor.hpp>
#include <caas/store/state_store.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace caas::service {

/// One key that is not the same in both stores.
struct StoreDifference {
  enum class Kind { differs, missing_in_shadow, missing_in_live };
  Kind kind = Kind::differs;
  std::string key;
  std::string live;    // value, cut to kMaxShownValue bytes ("" when missing)
  std::string shadow;  // likewise
};
std::string_view to_string(StoreDifference::Kind kind);
inline constexpr std::size_t kMaxShownValue = 512;

struct StoreComparison {
  std::uint64_t live_keys = 0;
  std::uint64_t shadow_keys = 0;
  std::uint64_t equal = 0;
  std::uint64_t differing = 0;
  std::uint64_t missing_in_shadow = 0;       // in the live store only
  std::uint64_t missing_in_live = 0;         // in the shadow only
  std::vector<StoreDifference> differences;  // the first `max_listed`, in key order per prefix
  std::uint64_t total_differences() const { return differing + missing_in_shadow + missing_in_live; }
  bool listed_all() const { return differences.size() == total_differences(); }
};

/// Key-by-key comparison of the state family over `prefixes` (memory bounded
/// by `max_listed`, not by the store size).
StoreComparison compare_stores(const store::StateStore& live, const store::StateStore& shadow,
                               const std::vector<std::string>& prefixes, std::size_t max_listed = 100);

/// One consumer loop of the shadow: like the service's, over the shadow store.
struct ShadowProcessor {
  EventProcessorOptions options;  // topics, validate_schema, park_failed_keys, on_applied_committed
  EventHandler handler;
};
/// What a service builds over a shadow store: its processors, what to run
/// once they have replayed (e.g. timers due by now), and the objects they use.
struct ShadowWiring {
  std::vector<ShadowProcessor> processors;
  std::function<void()> after_replay;
  std::shared_ptr<void> keep_alive;
};
/// Builds the service's handlers over `shadow`, with metrics of the run's own
/// (not exported) registry.
using ShadowFactory = std::function<ShadowWiring(store::StateStore& shadow, observability::Metrics& metrics)>;

struct ReplayVerifierOptions {
  std::string service;                    // DLQ/redrive identity, as the live processors
  std::vector<std::string> key_prefixes;  // the domain's keys
  std::filesystem::path data_dir;         // the shadow goes into <data_dir>/verify-replay-<n>
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::size_t max_listed = 100;
};

struct ReplayPartition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t live_offset = 0;    // at the start
  std::int64_t shadow_offset = 0;  // reached
  bool moved = false;              // the live offset changed during the run
};

struct ReplayReport {
  std::string service;
  std::string started_at;
  std::string finished_at;
  std::vector<ReplayPartition> partitions;
  std::uint64_t records_applied = 0;
  bool live_moved = false;
  std::vector<std::string> key_prefixes;
  StoreComparison comparison;
};
std::string report_json(const ReplayReport& report);

class ReplayVerifier {
 public:
  ReplayVerifier(ReplayVerifierOptions options, kafka::ClientConfig client, store::StateStore& live,
                 const events::SchemaRegistry& schemas, observability::Logger log, ShadowFactory factory);
  ~ReplayVerifier();  // waits for a run in progress
  ReplayVerifier(const ReplayVerifier&) = delete;
  ReplayVerifier& operator=(const ReplayVerifier&) = delete;

  /// One run, on the caller's thread. Errors: no offsets, timeout, store.
  Result<ReplayReport> run();
  /// Starts a run on the verifier's thread; `done` is called from there.
  /// False (and `done` not called) when a run is in progress.
  bool request(std::function<void(Result<ReplayReport>)> done);
  /// Ends a run in progress (it answers an error) and waits for it; later
  /// runs fail at once. For the service's shutdown.
  void stop();

 private:
  ReplayVerifierOptions options_;
  kafka::ClientConfig client_;
  store::StateStore& live_;
  const events::SchemaRegistry& schemas_;
  observability::Logger log_;
  ShadowFactory factory_;
  std::mutex mutex_;  // one run at a time
  bool running_ = false;
  std::uint64_t runs_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread worker_;
};

/// POST /admin/verify-replay (X-API-Key, role admin or operator): runs the
/// verification and answers the report (200), 409 while one runs, 500 on error.
void add_verify_replay_route(http::Router& router, const Authenticator& auth, ReplayVerifier& verifier);

}  // namespace caas::service
