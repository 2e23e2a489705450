#pragma once
// The notification service's keys in its StateStore (state column family):
//   cp/<customer>                  customer profile (preferences)
//   pd/<seq:020>                   pending delivery (PendingDelivery JSON)
//   pk/<source event>/<channel>    seq of its pending delivery (dedup while pending)
//   dl/<source event>/<channel>    final outcome: the delivery log's dedup entry
//   cl/<customer>\x1f<seq:020>     the customer's history (DeliveryRecord JSON)
//   nx/seq                         highest seq handed out
// A '\x1f' separator keeps one customer's history apart from another whose
// id merely starts with the first one's.

#include "domain/delivery.hpp"
#include "domain/preferences.hpp"

#include <caas/store/state_store.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::notification {

/// The final outcome a dl/ entry records.
struct LoggedOutcome {
  DeliveryStatus status = DeliveryStatus::sent;
  std::string customer_id;
  std::uint64_t seq = 0;
};

struct HistoryPage {
  std::vector<DeliveryRecord> items;
  std::size_t total = 0;
};

struct HistoryQuery {
  std::size_t limit = 50;
  std::size_t offset = 0;
  std::optional<Channel> channel;
  std::optional<DeliveryStatus> status;
  std::string type;
  std::string order_id;
  std::string activation_id;
  bool newest_first = false;
};

class NotificationStore {
 public:
  explicit NotificationStore(store::StateStore& store);

  store::StateStore& raw() { return store_; }

  /// A new planning sequence number (monotonic across restarts).
  std::uint64_t next_seq(store::WriteTxn& txn);

  std::optional<CustomerProfile> profile(std::string_view customer_id) const;
  static void put_profile(store::WriteTxn& txn, const CustomerProfile& p);

  std::optional<LoggedOutcome> logged(std::string_view source_event_id, Channel channel) const;
  static void put_logged(store::WriteTxn& txn, std::string_view source_event_id, Channel channel,
                         const LoggedOutcome& outcome);

  bool is_pending(std::string_view source_event_id, Channel channel) const;
  static void put_pending(store::WriteTxn& txn, const PendingDelivery& p);
  static void remove_pending(store::WriteTxn& txn, const PendingDelivery& p);
  std::optional<PendingDelivery> pending(std::uint64_t seq) const;
  /// Every pending delivery, in seq order (restart).
  std::vector<PendingDelivery> all_pending() const;

  static void put_record(store::WriteTxn& txn, const DeliveryRecord& r);
  std::optional<DeliveryRecord> record(std::string_view customer_id, std::uint64_t seq) const;
  HistoryPage history(std::string_view customer_id, const HistoryQuery& q) const;

 private:
  store::StateStore& store_;
  std::atomic<std::uint64_t> seq_{0};
};

}  // namespace caas::notification
