#include "store/adapter_store.hpp"

#include "domain/json.hpp"

#include <array>
#include <cstdio>
#include <type_traits>
#include <variant>

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

int int_field(const rapidjson::Value& v, const char* name) {
  return static_cast<int>(int_or(v, name));
}

// One list of (key, member) per stored record, read by both the writer and
// the reader, so a field cannot be written under one name and read under
// another, or be forgotten on one side. The list order is the member order of
// the JSON text.
template <class T>
struct Field {
  const char* key;
  std::variant<std::string T::*, int T::*, std::int64_t T::*, bool T::*> member;
  bool omit_empty = false;  // strings: written only when non-empty (read back as "")
};

template <class T, std::size_t N>
void write_fields(events::json::Writer& j, const T& record, const std::array<Field<T>, N>& fields) {
  for (const auto& f : fields) {
    std::visit(
        [&](auto member) {
          if constexpr (std::is_same_v<decltype(member), std::string T::*>) {
            if (f.omit_empty) {
              j.field_if(f.key, record.*member);
              return;
            }
          }
          j.field(f.key, record.*member);
        },
        f.member);
  }
}

template <class T, std::size_t N>
void read_fields(const rapidjson::Value& d, T& record, const std::array<Field<T>, N>& fields) {
  for (const auto& f : fields) {
    std::visit(
        [&](auto member) {
          auto& value = record.*member;
          using V = std::remove_reference_t<decltype(value)>;
          if constexpr (std::is_same_v<V, std::string>) {
            value = string_or(d, f.key);
          } else if constexpr (std::is_same_v<V, int>) {
            value = int_field(d, f.key);
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            value = int_or(d, f.key);
          } else {
            value = bool_or(d, f.key);
          }
        },
        f.member);
  }
}

using P = PendingPlacement;
const std::array<Field<P>, 15> kPendingFields{{{"order_id", &P::order_id},
                                               {"order_number", &P::order_number},
                                               {"idempotency_key", &P::idempotency_key},
                                               {"customer_id", &P::customer_id},
                                               {"correlation_id", &P::correlation_id},
                                               {"causation_id", &P::causation_id},
                                               {"request_body", &P::request_body},
                                               {"attempts", &P::attempts},
                                               {"created_at_ms", &P::created_at_ms},
                                               {"next_attempt_at_ms", &P::next_attempt_at_ms},
                                               {"first_error_at_ms", &P::first_error_at_ms},
                                               {"elapsed_ms", &P::elapsed_ms},
                                               {"last_error", &P::last_error},
                                               {"last_error_class", &P::last_error_class},
                                               {"last_http_status", &P::last_http_status}}};

using R = PlacementRecord;
const std::array<Field<R>, 12> kPlacementFields{{{"order_id", &R::order_id},
                                                 {"idempotency_key", &R::idempotency_key},
                                                 {"customer_id", &R::customer_id},
                                                 {"outcome", &R::outcome},
                                                 {"factory_order_id", &R::factory_order_id},
                                                 {"error_class", &R::error_class},
                                                 {"last_error", &R::last_error},
                                                 {"ticket_id", &R::ticket_id},
                                                 {"attempts", &R::attempts},
                                                 {"http_status", &R::http_status},
                                                 {"critical", &R::critical},
                                                 {"finished_at_ms", &R::finished_at_ms}}};

// The scalar head of a FactoryOrder; rev (unsigned) and the status history follow it.
using F = FactoryOrder;
const std::array<Field<F>, 7> kFactoryOrderFields{{{"factory_order_id", &F::factory_order_id},
                                                   {"order_id", &F::order_id},
                                                   {"customer_id", &F::customer_id},
                                                   {"correlation_id", &F::correlation_id},
                                                   {"placed_at_ms", &F::placed_at_ms},
                                                   {"last_update_ms", &F::last_update_ms},
                                                   {"last_polled_ms", &F::last_polled_ms}}};

// The scalar head of a report; its discrepancies follow it.
using Rep = ReconciliationReport;
const std::array<Field<Rep>, 6> kReportFields{{{"run_id", &Rep::run_id},
                                               {"trigger", &Rep::trigger},
                                               {"started_at_ms", &Rep::started_at_ms},
                                               {"finished_at_ms", &Rep::finished_at_ms},
                                               {"orders_checked", &Rep::orders_checked},
                                               {"orders_unreachable", &Rep::orders_unreachable}}};

using E = ReportEntry;
const std::array<Field<E>, 7> kReportEntryFields{{{"order_id", &E::order_id},
                                                  {"factory_order_id", &E::factory_order_id},
                                                  {"caas_status", &E::caas_status},
                                                  {"factory_status", &E::factory_status},
                                                  {"action", &E::action},
                                                  {"corrections", &E::corrections},
                                                  {"details", &E::details, true}}};

}  // namespace

std::string to_json(const PendingPlacement& p) {
  events::json::Writer j;
  j.begin_object();
  write_fields(j, p, kPendingFields);
  j.end_object();
  return j.str();
}

std::optional<PendingPlacement> pending_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  PendingPlacement p;
  read_fields(*doc, p, kPendingFields);
  if (p.order_id.empty()) return std::nullopt;
  return p;
}

std::string to_json(const PlacementRecord& p) {
  events::json::Writer j;
  j.begin_object();
  write_fields(j, p, kPlacementFields);
  j.end_object();
  return j.str();
}

std::optional<PlacementRecord> placement_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  PlacementRecord p;
  read_fields(*doc, p, kPlacementFields);
  if (p.order_id.empty()) return std::nullopt;
  return p;
}

std::string to_json(const FactoryOrder& f) {
  events::json::Writer j;
  j.begin_object();
  write_fields(j, f, kFactoryOrderFields);
  j.field("rev", static_cast<std::int64_t>(f.rev));
  if (f.status.current) {
    j.field("current", to_string(*f.status.current))
        .field("current_timestamp", f.status.current_timestamp)
        .field("current_ts_ms", f.status.current_ts_ms);
  }
  j.key("history").begin_array();
  for (const auto& e : f.status.history) {
    j.begin_object()
        .field("status", to_string(e.status))
        .field("timestamp", e.timestamp)
        .field("ts_ms", e.ts_ms)
        .field("source", e.source)
        .field("applied", e.applied)
        .field("recorded_at_ms", e.recorded_at_ms)
        .field_if("ingress_event_id", e.ingress_event_id)
        .end_object();
  }
  j.end_array().end_object();
  return j.str();
}

std::optional<FactoryOrder> factory_order_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  FactoryOrder f;
  read_fields(d, f, kFactoryOrderFields);
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
  events::json::Writer j;
  j.begin_object();
  write_fields(j, r, kReportFields);
  j.key("discrepancies").begin_array();
  for (const auto& e : r.discrepancies) {
    j.begin_object();
    write_fields(j, e, kReportEntryFields);
    j.end_object();
  }
  j.end_array().end_object();
  return j.str();
}

std::optional<ReconciliationReport> report_from_json(std::string_view json) {
  auto doc = parse_object(json);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  ReconciliationReport r;
  read_fields(d, r, kReportFields);
  if (const auto* list = member(d, "discrepancies"); list != nullptr && list->IsArray()) {
    for (const auto& e : list->GetArray()) {
      ReportEntry entry;
      read_fields(e, entry, kReportEntryFields);
      r.discrepancies.push_back(std::move(entry));
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
