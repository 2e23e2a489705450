#include "store/telemetry_store.hpp"

#include "domain/vehicle_events.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <charconv>
#include <cstdio>

namespace caas::telemetry {

namespace json = caas::events::json;

namespace {

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<std::uint64_t> parse_hex16(std::string_view s) {
  std::uint64_t v = 0;
  if (s.size() != 16 || std::from_chars(s.data(), s.data() + s.size(), v, 16).ec != std::errc()) return std::nullopt;
  return v;
}

std::int64_t i64(const rapidjson::Value& v, const char* k) {
  return json::int64(v, k).value_or(0);
}

std::uint64_t u64(const rapidjson::Value& v, const char* k) {
  const auto* m = json::member(v, k);
  return m && m->IsUint64() ? m->GetUint64() : 0;
}

void write_position(json::Writer& w, const std::optional<Position>& p) {
  w.key("position");
  if (!p) {
    w.null();
    return;
  }
  w.begin_object().key("lat").raw(json_number(p->lat)).key("lon").raw(json_number(p->lon)).end_object();
}

void write_configuration(json::Writer& w, bool reported, const Configuration& c) {
  w.key("configuration");
  if (!reported) {
    w.null();
    return;
  }
  w.begin_object();
  for (const auto& [name, value] : c) w.key(name).raw(value);
  w.end_object();
}

void write_diagnostics(json::Writer& w, const std::vector<Diagnostic>& list) {
  w.key("diagnostics").begin_array();
  for (const auto& d : list) {
    w.begin_object().field("code", d.code).field_or_null("severity", d.severity).end_object();
  }
  w.end_array();
}

void write_connectivity(json::Writer& w, const std::optional<Connectivity>& c) {
  w.key("connectivity");
  if (!c) {
    w.null();
    return;
  }
  w.begin_object().key("signal_dbm");
  if (c->signal_dbm) {
    w.value(*c->signal_dbm);
  } else {
    w.null();
  }
  w.field_or_null("network", c->network).end_object();
}

std::string compact(const rapidjson::Value& v) {
  return events::to_json(v);
}

void read_latest(const rapidjson::Value& d, VehicleState& s) {
  if (const auto* p = json::member(d, "position"); p && p->IsObject()) {
    s.position = Position{(*p)["lat"].GetDouble(), (*p)["lon"].GetDouble()};
  }
  if (const auto* c = json::member(d, "configuration"); c && c->IsObject()) {
    s.configuration_reported = true;
    for (const auto& m : c->GetObject()) s.configuration[m.name.GetString()] = compact(m.value);
  }
  if (const auto* list = json::member(d, "diagnostics"); list && list->IsArray()) {
    for (const auto& item : list->GetArray())
      s.diagnostics.push_back({json::str(item, "code"), json::str(item, "severity")});
  }
  if (const auto* c = json::member(d, "connectivity"); c && c->IsObject()) {
    Connectivity conn;
    conn.signal_dbm = json::int64(*c, "signal_dbm");
    conn.network = json::str(*c, "network");
    s.connectivity = conn;
  }
}

}  // namespace

namespace keys {
std::string vehicle(std::string_view vin) {
  return "v/" + std::string(vin);
}
std::string timeline_prefix(std::string_view vin) {
  return "tl/" + std::string(vin) + "/";
}
std::string timeline(std::string_view vin, std::int64_t time_ms, std::uint64_t seq) {
  return timeline_prefix(vin) + hex16(static_cast<std::uint64_t>(time_ms)) + "/" + hex16(seq);
}
std::string interval_prefix(std::string_view vin) {
  return "cx/" + std::string(vin) + "/";
}
std::string interval(std::string_view vin, std::int64_t from_ms) {
  return interval_prefix(vin) + hex16(static_cast<std::uint64_t>(from_ms));
}
std::string deadline(std::int64_t deadline_ms, std::string_view vin) {
  return std::string(kDeadlinePrefix) + hex16(static_cast<std::uint64_t>(deadline_ms)) + "/" + std::string(vin);
}
std::optional<std::pair<std::int64_t, std::string>> parse_deadline(std::string_view key) {
  if (key.substr(0, kDeadlinePrefix.size()) != kDeadlinePrefix) return std::nullopt;
  key.remove_prefix(kDeadlinePrefix.size());
  if (key.size() < 18 || key[16] != '/') return std::nullopt;
  auto ms = parse_hex16(key.substr(0, 16));
  if (!ms) return std::nullopt;
  return std::pair{static_cast<std::int64_t>(*ms), std::string(key.substr(17))};
}
std::string owner(std::string_view vin) {
  return "own/" + std::string(vin);
}
std::string fleet(std::string_view vin) {
  return "fl/" + std::string(vin);
}
}  // namespace keys

std::string encode_vehicle(const VehicleRecord& r) {
  const auto& s = r.state;
  json::Writer w;
  w.begin_object().field("vin", s.vin).field("platform", s.platform).field("partition", s.partition);
  w.field("window", s.window.encode()).field("readings", static_cast<std::int64_t>(s.readings));
  w.field("seq", static_cast<std::int64_t>(s.seq)).field("time", s.time).field("last_seen", s.last_seen);
  w.field("last_seen_ms", s.last_seen_ms).field("operational_state", s.operational_state);
  write_position(w, s.position);
  write_configuration(w, s.configuration_reported, s.configuration);
  write_diagnostics(w, s.diagnostics);
  write_connectivity(w, s.connectivity);
  w.field("online", s.online).field("online_since_ms", s.online_since_ms);
  w.field("offline_since_ms", s.offline_since_ms).field("deadline_ms", s.deadline_ms);
  w.field("deadline_seq", static_cast<std::int64_t>(s.deadline_seq));
  w.field("timeline_entries", static_cast<std::int64_t>(r.timeline_entries));
  w.field("intervals", static_cast<std::int64_t>(r.intervals));
  return w.end_object().str();
}

std::optional<VehicleRecord> decode_vehicle(std::string_view text, std::uint32_t window_size) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  const auto& d = *doc;
  VehicleRecord r;
  auto& s = r.state;
  s.vin = json::str(d, "vin");
  s.platform = json::str(d, "platform");
  s.partition = static_cast<std::int32_t>(i64(d, "partition"));
  s.window = SeqWindow::decode(json::str(d, "window"), window_size);
  s.readings = u64(d, "readings");
  s.seq = u64(d, "seq");
  s.time = json::str(d, "time");
  s.last_seen = json::str(d, "last_seen");
  s.last_seen_ms = i64(d, "last_seen_ms");
  s.operational_state = json::str(d, "operational_state");
  read_latest(d, s);
  s.online = json::boolean(d, "online");
  s.online_since_ms = i64(d, "online_since_ms");
  s.offline_since_ms = i64(d, "offline_since_ms");
  s.deadline_ms = i64(d, "deadline_ms");
  s.deadline_seq = u64(d, "deadline_seq");
  r.timeline_entries = u64(d, "timeline_entries");
  r.intervals = u64(d, "intervals");
  return r;
}

std::string vehicle_view(const VehicleState& s) {
  json::Writer w;
  w.begin_object().field("vin", s.vin).field_or_null("platform", s.platform);
  w.field("seq", static_cast<std::int64_t>(s.seq)).field("reported_at", s.time).field("last_seen", s.last_seen);
  w.field("operational_state", s.operational_state);
  write_position(w, s.position);
  write_configuration(w, s.configuration_reported, s.configuration);
  write_diagnostics(w, s.diagnostics);
  w.field("worst_diagnostic_severity", worst_severity(s.diagnostics));
  write_connectivity(w, s.connectivity);
  w.key("connection").begin_object().field("online", s.online);
  if (s.online) {
    w.field("online_since", format_ms(s.online_since_ms)).field("offline_after", format_ms(s.deadline_ms));
  } else {
    w.field("offline_since", format_ms(s.offline_since_ms));
  }
  w.end_object();
  w.field("readings_accepted", static_cast<std::int64_t>(s.readings));
  return w.end_object().str();
}

std::string encode_timeline_entry(const Reading& r, SeqVerdict verdict) {
  json::Writer w;
  w.begin_object().field("seq", static_cast<std::int64_t>(r.seq)).field("time", r.time);
  w.field("received_at", r.received_at).field("operational_state", r.operational_state);
  write_position(w, r.position);
  write_configuration(w, r.configuration.has_value(), r.configuration.value_or(Configuration{}));
  if (r.diagnostics) {
    write_diagnostics(w, *r.diagnostics);
  } else {
    w.key("diagnostics").null();
  }
  write_connectivity(w, r.connectivity);
  w.field("arrival", verdict == SeqVerdict::out_of_order ? "out_of_order" : "in_order");
  return w.end_object().str();
}

std::string encode_interval(const OnlineInterval& i) {
  json::Writer w;
  w.begin_object().field("from_ms", i.from_ms);
  if (i.until_ms) w.field("until_ms", *i.until_ms);
  return w.end_object().str();
}

std::optional<OnlineInterval> decode_interval(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  OnlineInterval i;
  i.from_ms = i64(*doc, "from_ms");
  i.until_ms = json::int64(*doc, "until_ms");
  return i;
}

std::string encode_fleet_entry(const FleetEntry& e) {
  json::Writer w;
  w.begin_object().field("online", e.online).field("operational_state", e.operational_state);
  w.key("diagnostics").begin_object();
  for (const auto& [code, severity] : e.diagnostics) w.field(code, severity);
  return w.end_object().end_object().str();
}

std::optional<FleetEntry> decode_fleet_entry(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  FleetEntry e;
  e.online = json::boolean(*doc, "online");
  e.operational_state = json::str(*doc, "operational_state");
  if (const auto* d = json::member(*doc, "diagnostics"); d && d->IsObject()) {
    for (const auto& m : d->GetObject()) {
      e.diagnostics[m.name.GetString()] = m.value.IsString() ? m.value.GetString() : "";
    }
  }
  return e;
}

std::string encode_counters(const FleetCounters& c) {
  json::Writer w;
  w.begin_object().field("known", c.known).field("online", c.online);
  w.key("by_state").begin_object();
  for (const auto& [k, v] : c.by_state) w.field(k, v);
  w.end_object().key("by_severity").begin_object();
  for (const auto& [k, v] : c.by_severity) w.field(k, v);
  return w.end_object().end_object().str();
}

FleetCounters decode_counters(std::string_view text) {
  FleetCounters c;
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return c;
  c.known = i64(*doc, "known");
  c.online = i64(*doc, "online");
  for (const char* family : {"by_state", "by_severity"}) {
    auto& target = std::string_view(family) == "by_state" ? c.by_state : c.by_severity;
    if (const auto* m = json::member(*doc, family); m && m->IsObject()) {
      for (const auto& kv : m->GetObject()) target[kv.name.GetString()] = kv.value.GetInt64();
    }
  }
  return c;
}

std::string encode_owner(const Owner& o) {
  json::Writer w;
  w.begin_object().field("customer_id", o.customer_id).field("order_id", o.order_id);
  return w.field("delivered_at", o.delivered_at).end_object().str();
}

std::optional<Owner> decode_owner(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  return Owner{json::str(*doc, "customer_id"), json::str(*doc, "order_id"), json::str(*doc, "delivered_at")};
}

std::optional<VehicleRecord> TelemetryStore::vehicle(std::string_view vin) const {
  auto v = store_.get(keys::vehicle(vin));
  if (!v) return std::nullopt;
  auto r = decode_vehicle(*v, window_size_);
  if (!r) throw store::StoreError("undecodable vehicle record " + std::string(vin));
  return r;
}

namespace {
std::optional<std::string> first_key(const store::StateStore& store, const std::string& prefix) {
  std::optional<std::string> out;
  store.scan_prefix(prefix, [&](std::string_view key, std::string_view) {
    out = std::string(key);
    return false;
  });
  return out;
}
}  // namespace

std::optional<std::string> TelemetryStore::oldest_timeline_key(std::string_view vin) const {
  return first_key(store_, keys::timeline_prefix(vin));
}

std::optional<std::string> TelemetryStore::oldest_interval_key(std::string_view vin) const {
  return first_key(store_, keys::interval_prefix(vin));
}

TimelinePage TelemetryStore::timeline(std::string_view vin, std::int64_t from_ms, std::int64_t to_ms,
                                      const std::string& cursor, std::size_t limit) const {
  TimelinePage page;
  const auto prefix = keys::timeline_prefix(vin);
  // Keys sort by reading time: everything before `from` is skipped on the
  // key alone, and the scan stops at the first key past `to`. The timeline
  // is bounded per vehicle, so the skipped head is bounded too.
  const std::string from_key = prefix + hex16(static_cast<std::uint64_t>(from_ms));
  const std::string after = cursor.empty() ? std::string() : prefix + cursor;
  std::string last;
  store_.scan_prefix(prefix, [&](std::string_view key, std::string_view value) {
    if (key < from_key || (!after.empty() && key <= after)) return true;
    auto t = parse_hex16(key.substr(prefix.size(), 16));
    if (!t || static_cast<std::int64_t>(*t) > to_ms) return false;
    if (page.items.size() == limit) {
      page.next_cursor = last.substr(prefix.size());  // more follow: resume after the last one shown
      return false;
    }
    page.items.emplace_back(value);
    last = std::string(key);
    return true;
  });
  return page;
}

std::vector<OnlineInterval> TelemetryStore::intervals(std::string_view vin) const {
  std::vector<OnlineInterval> out;
  store_.scan_prefix(keys::interval_prefix(vin), [&](std::string_view, std::string_view value) {
    if (auto i = decode_interval(value)) out.push_back(*i);
    return true;
  });
  return out;
}

std::vector<std::pair<std::int64_t, std::string>> TelemetryStore::due(std::int64_t now_ms, std::size_t max,
                                                                      const std::string& after) const {
  std::vector<std::pair<std::int64_t, std::string>> out;
  store_.scan_prefix(keys::kDeadlinePrefix, [&](std::string_view key, std::string_view) {
    if (!after.empty() && key <= after) return true;
    auto entry = keys::parse_deadline(key);
    if (!entry) return true;
    if (entry->first > now_ms || out.size() >= max) return false;  // the index is in deadline order
    out.push_back(std::move(*entry));
    return true;
  });
  return out;
}

std::optional<Owner> TelemetryStore::owner(std::string_view vin) const {
  auto v = store_.get(keys::owner(vin));
  if (!v) return std::nullopt;
  return decode_owner(*v);
}

std::optional<FleetEntry> TelemetryStore::fleet_entry(std::string_view vin) const {
  auto v = store_.get(keys::fleet(vin));
  if (!v) return std::nullopt;
  return decode_fleet_entry(*v);
}

FleetCounters TelemetryStore::counters() const {
  auto v = store_.get(keys::kFleetCounters);
  return v ? decode_counters(*v) : FleetCounters{};
}

}  // namespace caas::telemetry
