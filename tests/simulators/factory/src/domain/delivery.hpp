#pragma once
// Webhook delivery as the real Factory does it (seed 000 "Webhook Retries
// (Factory)": 5 attempts, exponential backoff), with its clock scaled by
// --retry-base, and the queue that keeps each order's webhooks in order.
// Pure: time is passed in.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "domain/status.hpp"

namespace caas::factory_sim {

using SteadyTime = std::chrono::steady_clock::time_point;

struct RetryOptions {
  int max_attempts = 5;
  std::chrono::milliseconds base{100};              // delays base, 2·base, 4·base, 8·base
  std::chrono::milliseconds retry_after_cap{2000};  // Retry-After is honoured up to this
};

enum class Verdict { delivered, retry, give_up };

struct AttemptVerdict {
  Verdict verdict = Verdict::give_up;
  std::chrono::milliseconds delay{0};  // before the next attempt (retry only)
  std::string reason;                  // for the log: "503", "network error", "retries exhausted", ...
};

/// Judges one attempt. `http_status` is nullopt for a network error or a
/// timeout. 2xx = delivered; network error, timeout, 404 (the platform may
/// not have learnt the order id yet), 408, 429 and 5xx are retried; any other
/// status (400: the platform refuses the body) gives up at once.
/// `attempts_made` counts this attempt (1 after the first).
AttemptVerdict judge_attempt(std::optional<int> http_status, std::optional<std::chrono::milliseconds> retry_after,
                             int attempts_made, const RetryOptions& options);

/// Delay before attempt n+1 after n failed attempts: base · 2^(n-1).
std::chrono::milliseconds backoff_delay(int attempts_made, std::chrono::milliseconds base);

struct Delivery {
  std::uint64_t id = 0;
  std::string order_id;
  Status status = Status::ordered;
  std::string body;
  int attempts = 0;
  SteadyTime ready_at{};
  bool hold_for_next = false;  // reorder fault: wait for the order's next webhook and go after it
  SteadyTime hold_until{};     // ... but not longer than this
  bool duplicate = false;
};

/// Per-order FIFO queues. An order has at most one delivery in flight, so
/// its webhooks leave in order (retries included) while other orders proceed.
/// A delivery marked hold_for_next swaps places with the next delivery pushed
/// for its order (the reorder fault), or goes alone at hold_until.
class DeliveryQueue {
 public:
  explicit DeliveryQueue(std::size_t capacity) : capacity_(capacity) {}

  /// False when the queue holds `capacity` deliveries already.
  bool push(Delivery d);
  /// The ready delivery (earliest first) of an order with nothing in flight;
  /// its order is then in flight until complete() or retry().
  std::optional<Delivery> take(SteadyTime now);
  /// The delivery taken for `order_id` is done (delivered or given up).
  void complete(const std::string& order_id);
  /// The delivery taken for its order goes back to the head, due at `ready_at`.
  void retry(Delivery d, SteadyTime ready_at);
  /// When the next delivery becomes ready (nullopt: nothing waiting).
  std::optional<SteadyTime> next_ready() const;

  /// True while the newest waiting delivery of `order_id` waits for a successor.
  bool holding(const std::string& order_id) const;

  std::size_t size() const { return size_; }
  std::size_t in_flight() const { return in_flight_.size(); }
  /// Drops everything waiting; deliveries in flight complete as no-ops.
  void clear();

 private:
  static SteadyTime due(const Delivery& d) { return d.hold_for_next ? std::max(d.ready_at, d.hold_until) : d.ready_at; }

  std::size_t capacity_;
  std::size_t size_ = 0;  // waiting, not in flight
  std::map<std::string, std::deque<Delivery>> queues_;
  std::set<std::string> in_flight_;
};

}  // namespace caas::factory_sim
