#include "app/iot_worker.hpp"

#include "domain/ota_events.hpp"

#include <chrono>

namespace caas::ota {

using namespace std::chrono_literals;

IotWorker::IotWorker(WorkerSettings settings, OtaStore& store, IotClient& client, const service::EventEmitter& emitter,
                     Probe& probe, observability::Logger log)
    : settings_(settings), store_(store), client_(client), emitter_(emitter), probe_(probe), log_(std::move(log)) {}

IotWorker::~IotWorker() {
  stop();
}

void IotWorker::submit(std::vector<PostCommand> posts, std::vector<StatusQuery> queries) {
  if (posts.empty() && queries.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (auto& p : posts) {
      if (queue_.size() >= settings_.max_queue) {
        log_.warn("IoT work queue full, command left to its timer", {{"command_id", p.command_id}});
        continue;
      }
      queue_.emplace_back(std::move(p));
    }
    for (auto& q : queries) {
      if (queue_.size() >= settings_.max_queue) {
        log_.warn("IoT work queue full, status query left to its timer", {{"activation_id", q.activation_id}});
        continue;
      }
      queue_.emplace_back(std::move(q));
    }
  }
  cv_.notify_all();
}

void IotWorker::start(std::function<bool()> ready, PostedInLog posted_in_log) {
  std::lock_guard lock(mutex_);
  if (!threads_.empty() || stopping_) return;
  ready_ = std::move(ready);
  posted_in_log_ = std::move(posted_in_log);
  for (unsigned i = 0; i < std::max(1u, settings_.threads); ++i) threads_.emplace_back([this] { run(); });
}

void IotWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::size_t IotWorker::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void IotWorker::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      // Nothing runs before the store has caught up with the log: the
      // records that would make a job stale may still be on their way.
      cv_.wait_for(lock, 20ms, [this] { return stopping_ || (!queue_.empty() && (!ready_ || ready_())); });
      if (stopping_) return;
      if (queue_.empty() || (ready_ && !ready_())) continue;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      std::visit([this](const auto& j) { execute(j); }, job);
    } catch (const std::exception& e) {
      log_.error("IoT job failed", {{"error_details", e.what()}});
    }
  }
}

void IotWorker::execute(const PostCommand& p) {
  auto a = store_.activation(p.activation_id);
  if (!a || terminal(a->state) || !a->current()) return;
  const auto& at = *a->current();
  if (at.number != p.attempt || a->timer.seq != p.token) return;  // moved on since the decision
  if (at.posted && at.outcome != "rate_limited") return;          // answered already (a replay)
  if (at.outcome != "rate_limited" && posted_in_log_ && posted_in_log_(p)) {
    // Posted before the store was rebuilt: its record is read, not applied yet.
    log_.info("command already posted according to the log, not sent again",
              {{"vin", p.vin}, {"activation_id", p.activation_id}, {"command_id", p.command_id}});
    return;
  }
  auto result = client_.post_configuration(p.vin, p.command_id, p.parameters);
  if (result.outcome == "accepted" || result.outcome == "held" || result.outcome == "duplicate") {
    probe_.command_sent();
  }
  log_.info("configuration command posted", {{"vin", p.vin},
                                             {"activation_id", p.activation_id},
                                             {"command_id", p.command_id},
                                             {"outcome", result.outcome},
                                             {"http_status", static_cast<std::int64_t>(result.http_status)}});
  const auto now = emitter_.now_ms();
  record("ota.command-posted", p.vin, posted_data(p, result, now), posted_event_id(p), now);
}

void IotWorker::execute(const StatusQuery& q) {
  auto a = store_.activation(q.activation_id);
  if (!a || a->state != State::verifying || a->query_seq != q.query_seq) return;
  auto answer = client_.status(q.vin);
  answer.snapshot.purpose = q.purpose;
  answer.snapshot.query_seq = q.query_seq;
  const auto now = emitter_.now_ms();
  record("ota.status-observed", q.vin, status_data(q, answer.snapshot, answer.http_status, now), status_event_id(q),
         now);
}

void IotWorker::record(std::string_view type, const std::string& key, std::string data, std::string id,
                       std::int64_t at_ms) {
  service::OutboundEvent ev{kCommandsTopic, type, key, std::move(data), id, id, {}};
  auto rec = emitter_.make(ev, at_ms);
  if (!rec) {
    log_.error("worker record failed its schema (bug)", {{"type", std::string(type)}, {"error", rec.error().message}});
    return;
  }
  store::WriteTxn txn;
  txn.enqueue(std::move(*rec));
  auto committed = store_.raw().commit(std::move(txn));
  if (!committed) log_.error("cannot write a worker record", {{"error", committed.error().message}});
}

}  // namespace caas::ota
