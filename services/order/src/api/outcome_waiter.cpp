#include "api/outcome_waiter.hpp"

#include <utility>
#include <vector>

namespace caas::order {

OutcomeWaiter::OutcomeWaiter(Lookup lookup, std::chrono::milliseconds poll_interval, std::size_t max_pending)
    : lookup_(std::move(lookup)), poll_interval_(poll_interval), max_pending_(max_pending) {
  thread_ = std::thread([this] { run(); });
}

OutcomeWaiter::~OutcomeWaiter() {
  stop();
}

bool OutcomeWaiter::wait(const std::string& command_id, std::chrono::steady_clock::time_point deadline, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || pending_.size() >= max_pending_) return false;
    pending_.emplace(command_id, Pending{deadline, std::move(done)});
  }
  cv_.notify_all();
  return true;
}

void OutcomeWaiter::stop() {
  std::multimap<std::string, Pending> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    left.swap(pending_);
  }
  for (auto& [id, p] : left) p.done(std::nullopt);
}

void OutcomeWaiter::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) break;
    std::vector<std::string> ids;
    for (auto it = pending_.begin(); it != pending_.end(); it = pending_.upper_bound(it->first))
      ids.push_back(it->first);
    lock.unlock();
    // Lookups and completions run outside the lock: a completion may write an HTTP response.
    std::vector<std::pair<std::string, std::optional<std::string>>> found;
    for (const auto& id : ids) {
      if (auto outcome = lookup_(id)) found.emplace_back(id, std::move(outcome));
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::pair<Done, std::optional<std::string>>> complete;
    lock.lock();
    for (auto& [id, outcome] : found) {
      auto range = pending_.equal_range(id);
      for (auto it = range.first; it != range.second; ++it) complete.emplace_back(std::move(it->second.done), outcome);
      pending_.erase(range.first, range.second);
    }
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline <= now) {
        complete.emplace_back(std::move(it->second.done), std::nullopt);
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    for (auto& [done, outcome] : complete) done(std::move(outcome));
    lock.lock();
    cv_.wait_for(lock, poll_interval_, [this] { return stopping_; });
  }
}

}  // namespace caas::order
