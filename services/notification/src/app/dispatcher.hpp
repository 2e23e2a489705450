#pragma once
// Sends one channel's notifications, off the consumer thread, so a slow or
// absent partner never holds up a partition or another channel.
//
// Per customer the channel's notifications leave in planning order (a
// customer never reads "shipped" before "manufacturing started"): a
// customer's queue has one notification in flight at a time and the next one
// waits behind a retrying head. Different customers proceed in parallel on
// `concurrency` workers. Memory holds only (seq, due time) per notification;
// the record itself is read from the store when it is attempted, so a long
// outage costs disk, not RAM. Every attempt's outcome is committed by the
// OutcomeRecorder before the queue moves on.

#include "app/outcome_recorder.hpp"
#include "app/probe.hpp"
#include "channels/sender.hpp"
#include "domain/delivery.hpp"
#include "domain/templates.hpp"
#include "store/notification_store.hpp"

#include <caas/observability/logger.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace caas::notification {

struct DispatcherSettings {
  unsigned concurrency = 4;
  Language default_language = Language::es;  // customers without preferences
};

class ChannelDispatcher {
 public:
  ChannelDispatcher(Channel channel, Sender& sender, const TemplateSet& templates, NotificationStore& store,
                    OutcomeRecorder& recorder, RetryRules rules, Probe& probe, observability::Logger log,
                    DispatcherSettings settings, std::function<std::int64_t()> now_ms);
  ~ChannelDispatcher();
  ChannelDispatcher(const ChannelDispatcher&) = delete;
  ChannelDispatcher& operator=(const ChannelDispatcher&) = delete;

  Channel channel() const { return channel_; }
  void start();
  /// Finishes the attempts in flight (each bounded by the sender's timeout).
  void stop();
  /// A notification whose planning is committed. Thread-safe.
  void add(const PendingDelivery& p);
  /// The customer's preferences changed: a head waiting for an address is due now.
  void customer_updated(const std::string& customer_id);
  std::size_t depth() const;

 private:
  struct Slot {
    std::uint64_t seq;
    std::int64_t due_ms;
  };
  struct CustomerQueue {
    std::deque<Slot> slots;
    bool in_flight = false;
  };
  enum class Result { finished, rescheduled, vanished };

  void worker_loop();
  // Must hold mutex_.
  void schedule_head(const std::string& customer, CustomerQueue& q);
  std::pair<Result, std::int64_t> attempt(std::uint64_t seq);
  OutgoingMessage message_for(const PendingDelivery& p, const std::optional<CustomerProfile>& profile,
                              Language language) const;
  void publish_depth();

  Channel channel_;
  std::string channel_name_;
  Sender& sender_;
  const TemplateSet& templates_;
  NotificationStore& store_;
  OutcomeRecorder& recorder_;
  RetryRules rules_;
  Probe& probe_;
  observability::Logger log_;
  DispatcherSettings settings_;
  std::function<std::int64_t()> now_ms_;
  prometheus::Gauge& depth_gauge_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::unordered_map<std::string, CustomerQueue> queues_;
  std::set<std::pair<std::int64_t, std::string>> due_;  // heads not in flight: (due time, customer)
  std::size_t depth_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace caas::notification
