#include "caas/sim/response_scheduler.hpp"

#include <vector>

namespace caas::sim {

void ResponseScheduler::start() {
  std::lock_guard lock(mutex_);
  if (running_ || stopping_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void ResponseScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::multimap<Clock::time_point, Parked> rest;
  {
    std::lock_guard lock(mutex_);
    rest.swap(parked_);
  }
  for (auto& [when, p] : rest) p.responder(std::move(p.response));
}

bool ResponseScheduler::respond_at(Clock::time_point when, http::Responder responder, http::Response response) {
  {
    std::lock_guard lock(mutex_);
    if (running_ && !stopping_ && when > Clock::now() && parked_.size() < capacity_) {
      parked_.emplace(when, Parked{std::move(responder), std::move(response)});
      cv_.notify_all();
      return true;
    }
  }
  responder(std::move(response));
  return false;
}

std::size_t ResponseScheduler::parked() const {
  std::lock_guard lock(mutex_);
  return parked_.size();
}

void ResponseScheduler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (parked_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto due = parked_.begin()->first;
    if (due > Clock::now()) {
      cv_.wait_until(lock, due);
      continue;
    }
    std::vector<Parked> ready;
    const auto now = Clock::now();
    while (!parked_.empty() && parked_.begin()->first <= now) {
      ready.push_back(std::move(parked_.begin()->second));
      parked_.erase(parked_.begin());
    }
    lock.unlock();  // a Responder only posts to its connection's strand, but keep the lock short anyway
    for (auto& p : ready) p.responder(std::move(p.response));
    lock.lock();
  }
}

}  // namespace caas::sim
