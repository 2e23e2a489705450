#include "store/notification_store.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <algorithm>
#include <cstdio>

namespace caas::notification {

namespace json = caas::events::json;

namespace {

constexpr char kSep = '\x1f';
constexpr std::string_view kSeqKey = "nx/seq";

std::string seq_text(std::uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return buf;
}

std::string profile_key(std::string_view customer) {
  return "cp/" + std::string(customer);
}
std::string pending_key(std::uint64_t seq) {
  return "pd/" + seq_text(seq);
}
std::string pending_index_key(std::string_view event_id, Channel c) {
  return "pk/" + std::string(event_id) + "/" + std::string(to_string(c));
}
std::string logged_key(std::string_view event_id, Channel c) {
  return "dl/" + std::string(event_id) + "/" + std::string(to_string(c));
}
std::string history_prefix(std::string_view customer) {
  std::string k = "cl/";
  k.append(customer).push_back(kSep);
  return k;
}
std::string history_key(std::string_view customer, std::uint64_t seq) {
  return history_prefix(customer) + seq_text(seq);
}

}  // namespace

NotificationStore::NotificationStore(store::StateStore& store) : store_(store) {
  if (auto v = store_.get(kSeqKey)) seq_ = std::stoull(*v);
  // A seq handed out by a commit that landed after the nx/seq it wrote was
  // overtaken is still visible in pd/: never reuse one.
  store_.scan_prefix("pd/", [&](std::string_view key, std::string_view) {
    seq_ = std::max<std::uint64_t>(seq_.load(), std::stoull(std::string(key.substr(3))));
    return true;
  });
}

std::uint64_t NotificationStore::next_seq(store::WriteTxn& txn) {
  const auto seq = ++seq_;
  txn.put(std::string(kSeqKey), std::to_string(seq));
  return seq;
}

std::optional<CustomerProfile> NotificationStore::profile(std::string_view customer_id) const {
  auto v = store_.get(profile_key(customer_id));
  if (!v) return std::nullopt;
  return profile_from_json(*v);
}

void NotificationStore::put_profile(store::WriteTxn& txn, const CustomerProfile& p) {
  txn.put(profile_key(p.customer_id), profile_json(p));
}

std::optional<LoggedOutcome> NotificationStore::logged(std::string_view source_event_id, Channel channel) const {
  auto v = store_.get(logged_key(source_event_id, channel));
  if (!v) return std::nullopt;
  auto doc = events::parse_strict_json(*v);
  if (!doc) return std::nullopt;
  LoggedOutcome o;
  o.status = parse_delivery_status(json::str(*doc, "status")).value_or(DeliveryStatus::sent);
  o.customer_id = json::str(*doc, "customer_id");
  o.seq = static_cast<std::uint64_t>(json::int64(*doc, "seq").value_or(0));
  return o;
}

void NotificationStore::put_logged(store::WriteTxn& txn, std::string_view source_event_id, Channel channel,
                                   const LoggedOutcome& outcome) {
  json::Writer w;
  w.begin_object().field("status", to_string(outcome.status)).field("customer_id", outcome.customer_id);
  w.field("seq", static_cast<std::int64_t>(outcome.seq)).end_object();
  txn.put(logged_key(source_event_id, channel), w.str());
}

bool NotificationStore::is_pending(std::string_view source_event_id, Channel channel) const {
  return store_.get(pending_index_key(source_event_id, channel)).has_value();
}

void NotificationStore::put_pending(store::WriteTxn& txn, const PendingDelivery& p) {
  txn.put(pending_key(p.seq), encode(p));
  txn.put(pending_index_key(p.source_event_id, p.channel), seq_text(p.seq));
}

void NotificationStore::remove_pending(store::WriteTxn& txn, const PendingDelivery& p) {
  txn.del(pending_key(p.seq));
  txn.del(pending_index_key(p.source_event_id, p.channel));
}

std::optional<PendingDelivery> NotificationStore::pending(std::uint64_t seq) const {
  auto v = store_.get(pending_key(seq));
  if (!v) return std::nullopt;
  return decode_pending(*v);
}

std::vector<PendingDelivery> NotificationStore::all_pending() const {
  std::vector<PendingDelivery> out;
  store_.scan_prefix("pd/", [&](std::string_view, std::string_view value) {
    if (auto p = decode_pending(value)) out.push_back(std::move(*p));
    return true;
  });
  return out;
}

void NotificationStore::put_record(store::WriteTxn& txn, const DeliveryRecord& r) {
  txn.put(history_key(r.customer_id, r.seq), encode(r));
}

std::optional<DeliveryRecord> NotificationStore::record(std::string_view customer_id, std::uint64_t seq) const {
  auto v = store_.get(history_key(customer_id, seq));
  if (!v) return std::nullopt;
  return decode_record(*v);
}

HistoryPage NotificationStore::history(std::string_view customer_id, const HistoryQuery& q) const {
  std::vector<DeliveryRecord> matching;
  store_.scan_prefix(history_prefix(customer_id), [&](std::string_view, std::string_view value) {
    auto r = decode_record(value);
    if (!r) return true;
    if (q.channel && r->channel != *q.channel) return true;
    if (q.status && r->status != *q.status) return true;
    if (!q.type.empty() && r->type != q.type) return true;
    if (!q.order_id.empty() && r->order_id != q.order_id) return true;
    if (!q.activation_id.empty() && r->activation_id != q.activation_id) return true;
    matching.push_back(std::move(*r));
    return true;
  });
  if (q.newest_first) std::reverse(matching.begin(), matching.end());
  HistoryPage page;
  page.total = matching.size();
  for (std::size_t i = q.offset; i < matching.size() && page.items.size() < q.limit; ++i) {
    page.items.push_back(std::move(matching[i]));
  }
  return page;
}

}  // namespace caas::notification
