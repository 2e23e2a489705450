#include "app/timer_sweeper.hpp"

#include "domain/ota_events.hpp"

namespace caas::ota {

namespace {
constexpr std::size_t kBatch = 1000;
}

TimerSweeper::TimerSweeper(OtaStore& store, const service::EventEmitter& emitter, std::chrono::milliseconds interval,
                           observability::Logger log)
    : store_(store), emitter_(emitter), interval_(interval), log_(std::move(log)) {}

TimerSweeper::~TimerSweeper() {
  stop();
}

void TimerSweeper::start(std::function<bool()> ready) {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  ready_ = std::move(ready);
  thread_ = std::thread([this] { run(); });
}

void TimerSweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TimerSweeper::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) return;
    if (ready_ && !ready_()) continue;
    lock.unlock();
    try {
      sweep();
    } catch (const std::exception& e) {
      log_.error("timer sweep failed", {{"error_details", e.what()}});
    }
    lock.lock();
  }
}

std::size_t TimerSweeper::sweep() {
  const auto now = emitter_.now_ms();
  const auto due = store_.due_timers(now, kBatch);
  std::size_t fired = 0;
  store::WriteTxn txn;
  std::map<std::string, std::uint64_t> still;
  for (const auto& t : due) {
    auto a = store_.activation(t.activation_id);
    if (!a || terminal(a->state) || a->timer.due_ms != t.due_ms) continue;  // stale index entry
    still[t.activation_id] = a->timer.seq;
    if (auto it = fired_.find(t.activation_id); it != fired_.end() && it->second == a->timer.seq) continue;
    const auto id = timer_event_id(a->id, a->timer.seq);
    service::OutboundEvent ev{kCommandsTopic,
                              "ota.timer-fired",
                              a->vin,
                              timer_data(a->id, a->vin, a->timer.seq, a->timer.due_ms, now),
                              id,
                              id,
                              {}};
    auto rec = emitter_.make(ev, now);
    if (!rec) {
      log_.error("timer record failed its schema (bug)", {{"error", rec.error().message}});
      continue;
    }
    txn.enqueue(std::move(*rec));
    ++fired;
  }
  if (fired) {
    auto committed = store_.raw().commit(std::move(txn));
    if (!committed) {
      log_.error("cannot write fired timers", {{"error", committed.error().message}});
      return 0;
    }
  }
  fired_ = std::move(still);  // bounded by what is due now
  return fired;
}

}  // namespace caas::ota
