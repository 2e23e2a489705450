#include "store/adapter_store.hpp"

#include "domain/json.hpp"

#include <cstdio>

namespace caas::factory {

namespace {

constexpr std::string_view kPendingPrefix = "pl/pending/";
constexpr std::string_view kDonePrefix = "pl/done/";
constexpr std::string_view kFactoryOrderPrefix = "fo/";
constexpr std::string_view kOrderMapPrefix = "ord/";
constexpr std::string_view kReportPrefix = "rc/report/";
constexpr std::string_view kNextRunKey = "rc/next-run";

std::string key(std::string_view prefix, std::string_view id) {
  std::string k(prefix);
  k.append(id);
  return k;
}

int int_field(const rapidjson::Value& v, const char* name) { return static_cast<int>(int_or(v, name)); }

}  // namespace

std::string to_json(const PendingPlacement& p) {
  JsonOut j;
  j.begin()
      .field("order_id", p.order_id)
      .field("order_number", p.order_number)
      .field("idempotency_key", p.idempotency_key)
      .field("customer_id", p.customer_id)
      .field("correlation_id", p.correlation_id)
      .field("causation_id", p.causation_id)
      .field("request_body", p.request_body)
      .field("attempts", p.attempts)
      .field("created_at_ms", p.created_at_ms)
      .field("next_attempt_at_ms", p.next_attempt_at_ms)
      .field("first_error_at_ms", p.first_error_at_ms)
      .field("elapsed_ms", p.elapsed_ms)
      .field("last_error", p.last_error)
      .field("last_error_class", p.last_error_class)
      .field("last_http_status", p.last_http_status)
      .end();
  return j.take();
}

std::optional<PendingPlacement> pending_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  PendingPlacement p;
  p.order_id = string_or(d, "order_id");
  p.order_number = string_or(d, "order_number");
  p.idempotency_key = string_or(d, "idempotency_key");
  p.customer_id = string_or(d, "customer_id");
  p.correlation_id = string_or(d, "correlation_id");
  p.causation_id = string_or(d, "causation_id");
  p.request_body = string_or(d, "request_body");
  p.attempts = int_field(d, "attempts");
  p.created_at_ms = int_or(d, "created_at_ms");
  p.next_attempt_at_ms = int_or(d, "next_attempt_at_ms");
  p.first_error_at_ms = int_or(d, "first_error_at_ms");
  p.elapsed_ms = int_or(d, "elapsed_ms");
  p.last_error = string_or(d, "last_error");
  p.last_error_class = string_or(d, "last_error_class");
  p.last_http_status = int_field(d, "last_http_status");
  if (p.order_id.empty()) return std::nullopt;
  return p;
}

std::string to_json(const PlacementRecord& p) {
  JsonOut j;
  j.begin()
      .field("order_id", p.order_id)
      .field("idempotency_key", p.idempotency_key)
      .field("customer_id", p.customer_id)
      .field("outcome", p.outcome)
      .field("factory_order_id", p.factory_order_id)
      .field("error_class", p.error_class)
      .field("last_error", p.last_error)
      .field("ticket_id", p.ticket_id)
      .field("attempts", p.attempts)
      .field("http_status", p.http_status)
      .field("critical", p.critical)
      .field("finished_at_ms", p.finished_at_ms)
      .end();
  return j.take();
}

std::optional<PlacementRecord> placement_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  PlacementRecord p;
  p.order_id = string_or(d, "order_id");
  p.idempotency_key = string_or(d, "idempotency_key");
  p.customer_id = string_or(d, "customer_id");
  p.outcome = string_or(d, "outcome");
  p.factory_order_id = string_or(d, "factory_order_id");
  p.error_class = string_or(d, "error_class");
  p.last_error = string_or(d, "last_error");
  p.ticket_id = string_or(d, "ticket_id");
  p.attempts = int_field(d, "attempts");
  p.http_status = int_field(d, "http_status");
  p.critical = bool_or(d, "critical");
  p.finished_at_ms = int_or(d, "finished_at_ms");
  if (p.order_id.empty()) return std::nullopt;
  return p;
}

std::string to_json(const FactoryOrder& f) {
  JsonOut j;
  j.begin()
      .field("factory_order_id", f.factory_order_id)
      .field("order_id", f.order_id)
      .field("customer_id", f.customer_id)
      .field("correlation_id", f.correlation_id)
      .field("placed_at_ms", f.placed_at_ms)
      .field("last_update_ms", f.last_update_ms)
      .field("last_polled_ms", f.last_polled_ms)
      .field("rev", static_cast<std::int64_t>(f.rev));
  if (f.status.current) {
    j.field("current", to_string(*f.status.current))
        .field("current_timestamp", f.status.current_timestamp)
        .field("current_ts_ms", f.status.current_ts_ms);
  }
  j.key("history").begin_array();
  for (const auto& e : f.status.history) {
    j.begin()
        .field("status", to_string(e.status))
        .field("timestamp", e.timestamp)
        .field("ts_ms", e.ts_ms)
        .field("source", e.source)
        .field("applied", e.applied)
        .field("recorded_at_ms", e.recorded_at_ms)
        .optional_field("ingress_event_id", e.ingress_event_id)
        .end();
  }
  j.end_array().end();
  return j.take();
}

std::optional<FactoryOrder> factory_order_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  FactoryOrder f;
  f.factory_order_id = string_or(d, "factory_order_id");
  f.order_id = string_or(d, "order_id");
  f.customer_id = string_or(d, "customer_id");
  f.correlation_id = string_or(d, "correlation_id");
  f.placed_at_ms = int_or(d, "placed_at_ms");
  f.last_update_ms = int_or(d, "last_update_ms");
  f.last_polled_ms = int_or(d, "last_polled_ms");
  f.rev = static_cast<std::uint64_t>(int_or(d, "rev"));
  if (auto cur = get_string(d, "current")) {
    f.status.current = parse_factory_status(*cur);
    f.status.current_timestamp = string_or(d, "current_timestamp");
    f.status.current_ts_ms = int_or(d, "current_ts_ms");
  }
  if (const auto* hist = member(d, "history"); hist != nullptr && hist->IsArray()) {
    for (const auto& e : hist->GetArray()) {
      auto s = parse_factory_status(string_or(e, "status"));
      if (!s) return std::nullopt;
      f.status.history.push_back({*s, string_or(e, "timestamp"), int_or(e, "ts_ms"), string_or(e, "source"),
                                  bool_or(e, "applied"), int_or(e, "recorded_at_ms"),
                                  string_or(e, "ingress_event_id")});
    }
  }
  if (f.factory_order_id.empty() || f.order_id.empty()) return std::nullopt;
  return f;
}

std::string to_json(const ReconciliationReport& r) {
  JsonOut j;
  j.begin()
      .field("run_id", r.run_id)
      .field("trigger", r.trigger)
      .field("started_at_ms", r.started_at_ms)
      .field("finished_at_ms", r.finished_at_ms)
      .field("orders_checked", r.orders_checked)
      .field("orders_unreachable", r.orders_unreachable);
  j.key("discrepancies").begin_array();
  for (const auto& e : r.discrepancies) {
    j.begin()
        .field("order_id", e.order_id)
        .field("factory_order_id", e.factory_order_id)
        .field("caas_status", e.caas_status)
        .field("factory_status", e.factory_status)
        .field("action", e.action)
        .field("corrections", e.corrections)
        .optional_field("details", e.details)
        .end();
  }
  j.end_array().end();
  return j.take();
}

std::optional<ReconciliationReport> report_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  ReconciliationReport r;
  r.run_id = string_or(d, "run_id");
  r.trigger = string_or(d, "trigger");
  r.started_at_ms = int_or(d, "started_at_ms");
  r.finished_at_ms = int_or(d, "finished_at_ms");
  r.orders_checked = int_field(d, "orders_checked");
  r.orders_unreachable = int_field(d, "orders_unreachable");
  if (const auto* list = member(d, "discrepancies"); list != nullptr && list->IsArray()) {
    for (const auto& e : list->GetArray()) {
      r.discrepancies.push_back({string_or(e, "order_id"), string_or(e, "factory_order_id"),
                                 string_or(e, "caas_status"), string_or(e, "factory_status"), string_or(e, "action"),
                                 int_field(e, "corrections"), string_or(e, "details")});
    }
  }
  return r;
}

// ---- AdapterStore ----

std::optional<PendingPlacement> AdapterStore::pending(std::string_view order_id) const {
  auto v = store_.get(key(kPendingPrefix, order_id));
  return v ? pending_from_json(*v) : std::nullopt;
}

std::vector<PendingPlacement> AdapterStore::pendings(std::size_t limit) const {
  std::vector<PendingPlacement> out;
  store_.scan_prefix(kPendingPrefix, [&](std::string_view, std::string_view value) {
    if (auto p = pending_from_json(value)) out.push_back(std::move(*p));
    return out.size() < limit;
  });
  return out;
}

std::optional<PlacementRecord> AdapterStore::placement(std::string_view order_id) const {
  auto v = store_.get(key(kDonePrefix, order_id));
  return v ? placement_from_json(*v) : std::nullopt;
}

std::vector<PlacementRecord> AdapterStore::placements(bool failed_only, std::size_t limit) const {
  std::vector<PlacementRecord> out;
  store_.scan_prefix(kDonePrefix, [&](std::string_view, std::string_view value) {
    auto p = placement_from_json(value);
    if (p && (!failed_only || p->outcome != "placed")) out.push_back(std::move(*p));
    return out.size() < limit;
  });
  return out;
}

std::optional<FactoryOrder> AdapterStore::factory_order(std::string_view factory_order_id) const {
  auto v = store_.get(key(kFactoryOrderPrefix, factory_order_id));
  return v ? factory_order_from_json(*v) : std::nullopt;
}

std::optional<std::string> AdapterStore::factory_order_id_for(std::string_view order_id) const {
  return store_.get(key(kOrderMapPrefix, order_id));
}

void AdapterStore::for_each_factory_order(const std::function<bool(const FactoryOrder&)>& fn) const {
  store_.scan_prefix(kFactoryOrderPrefix, [&](std::string_view, std::string_view value) {
    auto f = factory_order_from_json(value);
    return f ? fn(*f) : true;
  });
}

std::vector<ReconciliationReport> AdapterStore::reports(std::size_t limit) const {
  // Keys sort by start time, oldest first: read all keys, keep the newest.
  std::vector<std::string> keys;
  store_.scan_prefix(kReportPrefix, [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  std::vector<ReconciliationReport> out;
  for (auto it = keys.rbegin(); it != keys.rend() && out.size() < limit; ++it) {
    if (auto v = store_.get(*it)) {
      if (auto r = report_from_json(*v)) out.push_back(std::move(*r));
    }
  }
  return out;
}

std::optional<std::int64_t> AdapterStore::next_reconcile_at() const {
  auto v = store_.get(kNextRunKey);
  if (!v) return std::nullopt;
  try {
    return std::stoll(*v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void AdapterStore::put(store::WriteTxn& txn, const PendingPlacement& p) {
  txn.put(key(kPendingPrefix, p.order_id), to_json(p));
}

void AdapterStore::remove_pending(store::WriteTxn& txn, std::string_view order_id) {
  txn.del(key(kPendingPrefix, order_id));
}

void AdapterStore::put(store::WriteTxn& txn, const PlacementRecord& p) {
  txn.put(key(kDonePrefix, p.order_id), to_json(p));
}

void AdapterStore::put(store::WriteTxn& txn, const FactoryOrder& f) {
  txn.put(key(kFactoryOrderPrefix, f.factory_order_id), to_json(f));
  put_order_map(txn, f.order_id, f.factory_order_id);
}

void AdapterStore::put_order_map(store::WriteTxn& txn, std::string_view order_id, std::string_view factory_order_id) {
  txn.put(key(kOrderMapPrefix, order_id), std::string(factory_order_id));
}

void AdapterStore::put(store::WriteTxn& txn, const ReconciliationReport& r) {
  char started[32];
  std::snprintf(started, sizeof started, "%016lld", static_cast<long long>(r.started_at_ms));
  txn.put(std::string(kReportPrefix) + started + "/" + r.run_id, to_json(r));
}

void AdapterStore::set_next_reconcile_at(store::WriteTxn& txn, std::int64_t at_ms) {
  txn.put(std::string(kNextRunKey), std::to_string(at_ms));
}

void AdapterStore::prune_reports(store::WriteTxn& txn, std::size_t keep) const {
  std::vector<std::string> keys;
  store_.scan_prefix(kReportPrefix, [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  if (keys.size() <= keep) return;
  for (std::size_t i = 0; i + keep < keys.size(); ++i) txn.del(keys[i]);
}

}  // namespace caas::factory
