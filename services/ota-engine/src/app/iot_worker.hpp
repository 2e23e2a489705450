#pragma once
// Executes what the state machine decided, once the decision is committed:
// POST a command, GET a status. Every answer becomes a record on
// caas.ota.commands.v1 (ota.command-posted, ota.status-observed) written
// through the outbox, which the state machine applies in order with
// everything else of the vehicle. Bounded queue, a few threads, a timeout on
// every call. A job whose activation moved on since (a replay, a stale
// repost) is dropped: the store decides, never the queue. Jobs are never
// re-created after a restart: an attempt whose POST may have happened is not
// sent again; its timeout leads to a status query instead. Nor is an attempt
// whose `ota.command-posted` is already in the log, even while that record
// still waits (in the processor's waiting room) for the step it answers.

#include "app/probe.hpp"
#include "clients/iot_client/iot_client.hpp"
#include "store/ota_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_emitter.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

namespace caas::ota {

struct WorkerSettings {
  unsigned threads = 4;            // CAAS_OTA_IOT_WORKERS
  std::size_t max_queue = 100000;  // CAAS_OTA_WORK_QUEUE
};

class IotWorker {
 public:
  IotWorker(WorkerSettings settings, OtaStore& store, IotClient& client, const service::EventEmitter& emitter,
            Probe& probe, observability::Logger log);
  ~IotWorker();
  /// Hands on committed work; beyond the bound a job is dropped (its timer recovers it).
  void submit(std::vector<PostCommand> posts, std::vector<StatusQuery> queries);
  /// Whether the log already holds an `ota.command-posted` of this attempt
  /// that the store has not applied yet (a replay that read it ahead).
  using PostedInLog = std::function<bool(const PostCommand&)>;
  /// `ready` tells when the store is caught up (jobs wait until then).
  void start(std::function<bool()> ready, PostedInLog posted_in_log = {});
  void stop();
  std::size_t queued() const;

 private:
  using Job = std::variant<PostCommand, StatusQuery>;
  void run();
  void execute(const PostCommand& p);
  void execute(const StatusQuery& q);
  void record(std::string_view type, const std::string& key, std::string data, std::string id, std::int64_t at_ms);

  WorkerSettings settings_;
  OtaStore& store_;
  IotClient& client_;
  const service::EventEmitter& emitter_;
  Probe& probe_;
  observability::Logger log_;
  std::function<bool()> ready_;
  PostedInLog posted_in_log_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace caas::ota
