#include "caas/store/outbox_relay.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace caas::store {

namespace {

using Clock = std::chrono::steady_clock;

enum class EntryState {
  unsent,     // read from the store, not (or no longer) with the sink
  sending,    // inside sink.send() right now
  in_flight,  // accepted by the sink, delivery report pending
  failed,     // delivery report with an error: re-send after recovery
  acked,      // delivered, removal from the store pending
  removing,   // removal being written
  removed,    // gone from the store; popped once it reaches the window's front
};

struct Entry {
  std::uint64_t seq;
  kafka::Record record;
  EntryState state = EntryState::unsent;
};

}  // namespace

struct OutboxRelay::Shared {
  mutable std::mutex mu;
  mutable std::condition_variable cv;

  // Everything below is guarded by mu.
  std::deque<Entry> window;          // seq-ordered, size <= max_in_flight
  std::uint64_t read_cursor = 1;     // next seq to read from the store
  std::uint64_t store_last_seq = 0;  // highest seq the store has committed
  bool stopping = false;
  Clock::time_point stop_deadline{};
  bool recovering = false;       // a delivery failed: drain in-flight, then re-send
  Clock::time_point retry_at{};  // no sending before this (backoff)
  std::chrono::milliseconds backoff{0};
  std::chrono::milliseconds backoff_initial{0};
  std::chrono::milliseconds backoff_max{0};
  std::uint64_t accepted_sends = 0;  // for the stop_after_n_sends fault seam
  bool alive = true;                 // false once the relay object is gone
  bool thread_done = false;
  RelayStats stats;
  std::function<void(const std::string&, std::uint64_t)> on_error;

  Entry* find(std::uint64_t seq) {
    auto it =
        std::lower_bound(window.begin(), window.end(), seq, [](const Entry& e, std::uint64_t s) { return e.seq < s; });
    return it != window.end() && it->seq == seq ? &*it : nullptr;
  }

  bool drained() const { return window.empty() && read_cursor > store_last_seq; }

  RelayStats snapshot() const {
    RelayStats s = stats;
    std::uint64_t pending = 0;
    for (const auto& e : window) {
      if (e.state != EntryState::removed) ++pending;
    }
    if (store_last_seq >= read_cursor) pending += store_last_seq - read_cursor + 1;
    s.pending = pending;
    return s;
  }

  void report(const std::string& what, std::uint64_t seq) {
    if (alive && on_error) on_error(what, seq);
  }

  void back_off(Clock::time_point now) {
    retry_at = now + backoff;
    backoff = std::min(backoff * 2, backoff_max);
  }
};

OutboxRelay::OutboxRelay(StateStore& store, kafka::RecordSink& sink, RelayOptions options)
    : store_(store), sink_(sink), options_(std::move(options)), shared_(std::make_shared<Shared>()) {
  options_.max_in_flight = std::max<std::size_t>(options_.max_in_flight, 1);
  options_.retry_backoff_initial = std::max(options_.retry_backoff_initial, std::chrono::milliseconds(1));
  options_.retry_backoff_max = std::max(options_.retry_backoff_max, options_.retry_backoff_initial);
  shared_->backoff = shared_->backoff_initial = options_.retry_backoff_initial;
  shared_->backoff_max = options_.retry_backoff_max;
  shared_->on_error = options_.on_error;
}

OutboxRelay::~OutboxRelay() {
  stop(Clock::now());
  std::lock_guard lock(shared_->mu);
  shared_->alive = false;  // late delivery callbacks must not call on_error any more
}

void OutboxRelay::start() {
  if (thread_.joinable()) return;
  // Listener first, then the current tail: no commit can slip between them unseen.
  std::weak_ptr<Shared> weak = shared_;
  listener_id_ = store_.add_outbox_listener([weak](std::uint64_t last_seq) {
    if (auto s = weak.lock()) {
      std::lock_guard lock(s->mu);
      s->store_last_seq = std::max(s->store_last_seq, last_seq);
      s->cv.notify_all();
    }
  });
  {
    std::lock_guard lock(shared_->mu);
    shared_->store_last_seq = std::max(shared_->store_last_seq, store_.outbox_last_seq());
    shared_->stopping = false;
    shared_->thread_done = false;
  }
  thread_ = std::thread([this] { run(); });
}

bool OutboxRelay::stop(Clock::time_point deadline) {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(shared_->mu);
      shared_->stopping = true;
      shared_->stop_deadline = deadline;
      shared_->cv.notify_all();
    }
    thread_.join();
    store_.remove_outbox_listener(listener_id_);
  }
  std::lock_guard lock(shared_->mu);
  return shared_->drained();
}

bool OutboxRelay::wait_until_drained(Clock::time_point deadline) const {
  std::unique_lock lock(shared_->mu);
  return shared_->cv.wait_until(lock, deadline, [&] { return shared_->drained(); });
}

bool OutboxRelay::wait_until(const std::function<bool(const RelayStats&)>& predicate,
                             Clock::time_point deadline) const {
  std::unique_lock lock(shared_->mu);
  return shared_->cv.wait_until(lock, deadline, [&] { return predicate(shared_->snapshot()); });
}

RelayStats OutboxRelay::stats() const {
  std::lock_guard lock(shared_->mu);
  return shared_->snapshot();
}

void OutboxRelay::run() {
  auto& s = *shared_;
  std::unique_lock lk(s.mu);
  Clock::time_point remove_retry_at{};
  Clock::time_point read_retry_at{};
  std::size_t send_hint = 0;  // entries before this index are not `unsent`

  while (true) {
    bool unlocked = false;  // anything done without the lock: re-evaluate before sleeping
    auto now = Clock::now();

    // 1. Remove acknowledged entries (in one batch) and pop finished ones.
    if (now >= remove_retry_at) {
      std::vector<std::uint64_t> done;
      for (auto& e : s.window) {
        if (e.state == EntryState::acked) {
          e.state = EntryState::removing;
          done.push_back(e.seq);
        }
      }
      if (!done.empty()) {
        lk.unlock();
        auto result = store_.remove_outbox(done);
        lk.lock();
        unlocked = true;
        const auto to = result.ok() ? EntryState::removed : EntryState::acked;
        for (auto seq : done) {
          if (auto* e = s.find(seq)) e->state = to;
        }
        if (result.ok()) {
          s.stats.delivered_total += done.size();
        } else {
          s.report("outbox removal failed: " + result.error().message, done.front());
          remove_retry_at = Clock::now() + s.backoff_max;
        }
        while (!s.window.empty() && s.window.front().state == EntryState::removed) {
          s.window.pop_front();
          if (send_hint > 0) --send_hint;
        }
        s.cv.notify_all();
      }
    }

    // 2. Stop once drained, or at the deadline.
    if (s.stopping && (s.drained() || Clock::now() >= s.stop_deadline)) break;

    // 3. Refill the window from the store, in sequence order.
    if (s.window.size() < options_.max_in_flight && s.read_cursor <= s.store_last_seq && now >= read_retry_at) {
      const std::uint64_t tail = s.store_last_seq;
      const std::uint64_t from = s.read_cursor;
      const std::size_t want = options_.max_in_flight - s.window.size();
      lk.unlock();
      std::vector<OutboxEntry> entries;
      std::string error;
      try {
        entries = store_.read_outbox(from, want);
      } catch (const std::exception& e) {
        error = e.what();
      }
      lk.lock();
      unlocked = true;
      if (!error.empty()) {
        s.report("outbox read failed: " + error, from);
        read_retry_at = Clock::now() + s.backoff_max;
      } else {
        for (auto& e : entries) s.window.push_back(Entry{e.seq, std::move(e.record), EntryState::unsent});
        std::uint64_t cursor = entries.empty() ? from : entries.back().seq + 1;
        // Fewer than asked: everything committed up to `tail` has been read.
        if (entries.size() < want) cursor = std::max(cursor, tail + 1);
        s.read_cursor = cursor;
        s.cv.notify_all();
      }
    }

    // 4. After a failed delivery: once every in-flight report is in and the
    //    backoff has passed, re-send everything not acknowledged, in order.
    now = Clock::now();
    if (s.recovering && s.stats.in_flight == 0 && now >= s.retry_at) {
      for (auto& e : s.window) {
        if (e.state == EntryState::failed) e.state = EntryState::unsent;
      }
      s.recovering = false;
      send_hint = 0;
    }

    // 5. Send in order until something pushes back.
    const auto fault_stopped = [&] {
      return options_.stop_after_n_sends && s.accepted_sends >= *options_.stop_after_n_sends;
    };
    while (!s.recovering && Clock::now() >= s.retry_at && !fault_stopped()) {
      while (send_hint < s.window.size() && s.window[send_hint].state != EntryState::unsent) ++send_hint;
      if (send_hint >= s.window.size()) break;
      Entry& entry = s.window[send_hint];  // references into a deque survive push_back
      const std::uint64_t seq = entry.seq;
      entry.state = EntryState::sending;
      ++s.stats.in_flight;
      kafka::Record copy = entry.record;  // kept for a possible re-send

      std::weak_ptr<Shared> weak = shared_;
      auto on_delivery = [weak, seq](const kafka::DeliveryReport& report) {
        auto sp = weak.lock();
        if (!sp) return;
        std::lock_guard lock(sp->mu);
        if (auto* e = sp->find(seq); e && (e->state == EntryState::sending || e->state == EntryState::in_flight)) {
          if (report.ok()) {
            e->state = EntryState::acked;
            sp->backoff = sp->backoff_initial;
          } else {
            e->state = EntryState::failed;
            ++sp->stats.failed_total;
            if (!sp->recovering) {
              sp->recovering = true;
              sp->back_off(Clock::now());
            }
            sp->report("delivery failed: " + report.message, seq);
          }
        }
        if (sp->stats.in_flight > 0) --sp->stats.in_flight;
        sp->cv.notify_all();
      };

      lk.unlock();
      const auto status = sink_.send(std::move(copy), std::move(on_delivery));
      lk.lock();
      unlocked = true;
      Entry* e = s.find(seq);  // still present: nothing pops entries that are not removed
      if (status == kafka::SendStatus::queued) {
        ++s.stats.sent_total;
        ++s.accepted_sends;
        if (e && e->state == EntryState::sending) e->state = EntryState::in_flight;
        s.backoff = s.backoff_initial;  // pressure relieved
      } else {
        // The callback will not run: undo, and try the same entry again later.
        --s.stats.in_flight;
        if (e) e->state = EntryState::unsent;
        if (status == kafka::SendStatus::queue_full) {
          ++s.stats.queue_full_total;
        } else {
          ++s.stats.rejected_total;
          s.report("record rejected by the sink (topic " + (e ? e->record.topic : std::string()) + ")", seq);
        }
        s.back_off(Clock::now());
      }
      s.cv.notify_all();
    }

    if (unlocked) continue;  // state may have changed meanwhile: look again before sleeping

    // 6. Nothing to do right now: sleep until notified, the backoff ends, or
    //    the stop deadline. Every state change happens under mu and notifies,
    //    and we have held mu since the checks above, so no wake-up is lost.
    Clock::time_point wake = Clock::time_point::max();
    now = Clock::now();
    if (s.retry_at > now) wake = std::min(wake, s.retry_at);
    if (remove_retry_at > now) wake = std::min(wake, remove_retry_at);
    if (read_retry_at > now) wake = std::min(wake, read_retry_at);
    if (s.stopping) wake = std::min(wake, s.stop_deadline);
    if (wake == Clock::time_point::max()) {
      s.cv.wait(lk);
    } else {
      s.cv.wait_until(lk, wake);
    }
  }
  s.thread_done = true;
  s.cv.notify_all();
}

}  // namespace caas::store
