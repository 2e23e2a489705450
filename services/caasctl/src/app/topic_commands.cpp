// topic list, tail, group lag, trace.
#include "app/commands.hpp"

#include <caas/core/time.hpp>
#include <caas/events/envelope.hpp>

#include <algorithm>
#include <tuple>

namespace caas::ctl {

namespace {

std::string offsets_json(const TopicInfo& t) {
  std::string out = "[";
  for (const auto& p : t.partitions) {
    if (out.size() > 1) out += ',';
    out += R"({"partition":)" + std::to_string(p.partition) + R"(,"start":)" + std::to_string(p.low) + R"(,"end":)" +
           std::to_string(p.high) + "}";
  }
  return out + "]";
}

std::string headers_json(const kafka::Headers& headers) {
  std::string out = "{";
  for (const auto& h : headers) {
    if (out.size() > 1) out += ',';
    out += json_quote(h.key) + ":" + json_quote(h.value);
  }
  return out + "}";
}

std::string ms_time(std::int64_t ms) {
  return ms < 0 ? std::string{} : caas::format_rfc3339(TimePoint(std::chrono::milliseconds(ms)));
}

// One consumed record as an event row (decoded envelope when it is one).
struct EventView {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = -1;
  std::string key;
  kafka::Headers headers;
  bool envelope = false;
  events::Envelope event;
  std::string raw;
  std::string time() const { return envelope ? event.time : ms_time(timestamp_ms); }
};

EventView view_of(const kafka::Message& m) {
  EventView v{std::string(m.topic()),
              m.partition(),
              m.offset(),
              m.timestamp_ms(),
              std::string(m.key()),
              m.headers(),
              false,
              {},
              {}};
  if (auto env = events::parse_envelope(m.value())) {
    v.envelope = true;
    v.event = std::move(*env);
  } else {
    v.raw = std::string(m.value());
  }
  return v;
}

Rows event_rows() {
  return Rows({{"time"},
               {"type"},
               {"key"},
               {"id"},
               {"correlationid"},
               {"data"},
               {"topic", true},
               {"partition", true},
               {"offset", true},
               {"causationid", true},
               {"headers", true}});
}

void add_event(Rows& rows, const EventView& v) {
  rows.add({v.time(), v.envelope ? Value{v.event.type} : Value{}, v.key, v.envelope ? Value{v.event.id} : Value{},
            v.envelope ? Value{v.event.correlationid} : Value{},
            v.envelope ? Value{RawJson{v.event.data}} : Value{v.raw}, v.topic, std::int64_t{v.partition}, v.offset,
            v.envelope && !v.event.causationid.empty() ? Value{v.event.causationid} : Value{},
            RawJson{headers_json(v.headers)}});
}

}  // namespace

int topic_list(Context& ctx, const std::optional<std::string>& prefix) {
  auto cluster = ctx.cluster();
  if (!cluster) return ctx.fail(cluster.error());
  auto topics = (*cluster)->topics();
  if (!topics) return ctx.fail(topics.error());
  Rows rows({{"topic"}, {"partitions"}, {"records"}, {"start"}, {"end"}, {"offsets", true}});
  for (const auto& t : *topics) {
    if (prefix && !t.name.starts_with(*prefix)) continue;
    std::int64_t records = 0, start = 0, end = 0;
    for (const auto& p : t.partitions) {
      records += p.high - p.low;
      start += p.low;
      end += p.high;
    }
    rows.add({t.name, static_cast<std::int64_t>(t.partitions.size()), records, start, end, RawJson{offsets_json(t)}});
  }
  ctx.render(rows);
  return code(rows.empty() ? Exit::nothing_matched : Exit::ok);
}

int tail(Context& ctx, const TailArgs& a) {
  auto from = parse_offset(a.from);
  if (!from) return ctx.fail(from.error());
  std::optional<TimePoint> since, until;
  if (a.since) {
    auto t = parse_time(*a.since, ctx.now());
    if (!t) return ctx.fail(t.error());
    since = *t;
  }
  if (a.until) {
    auto t = parse_time(*a.until, ctx.now());
    if (!t) return ctx.fail(t.error());
    until = *t;
  }
  std::vector<std::pair<std::string, std::string>> header_filters;
  for (const auto& h : a.headers) {
    auto f = parse_header_filter(h);
    if (!f) return ctx.fail(f.error());
    header_filters.push_back(*f);
  }
  auto cluster = ctx.cluster();
  if (!cluster) return ctx.fail(cluster.error());
  Rows rows = event_rows();
  std::int64_t matched = 0;
  // Following, each record is written as it arrives (JSON lines, or one
  // table line without column alignment).
  const bool stream = a.follow;
  ReadRequest request{{a.topic}, *from, {}, {}, a.follow, ctx.io().interrupted};
  auto r = (*cluster)->read(request, [&](const kafka::Message& m) {
    if (a.key && m.key() != *a.key) return true;
    for (const auto& [name, value] : header_filters) {
      auto v = m.header(name);
      if (!v || *v != value) return true;
    }
    const auto ts = TimePoint(std::chrono::milliseconds(m.timestamp_ms()));
    if (since && ts < *since) return true;
    if (until && ts >= *until) return true;
    auto v = view_of(m);
    if (a.type && (!v.envelope || v.event.type != *a.type)) return true;
    ++matched;
    if (stream) {
      Rows one = event_rows();
      add_event(one, v);
      if (ctx.format() == Format::table || ctx.format() == Format::wide) {
        std::string line;
        for (std::size_t i = 0; i < 6; ++i) line += (i ? "  " : "") + cell_text(one.rows()[0][i]);
        ctx.out() << line << '\n';
      } else {
        ctx.out() << row_json(one, 0) << '\n';
      }
      ctx.out().flush();
    } else {
      add_event(rows, v);
    }
    return !(a.max && matched >= *a.max);
  });
  if (!r) return ctx.fail(r.error());
  if (!stream) ctx.render(rows);
  return code(matched == 0 ? Exit::nothing_matched : Exit::ok);
}

int group_lag(Context& ctx, const std::vector<std::string>& groups_in, const std::vector<std::string>& topics_in) {
  auto cluster = ctx.cluster();
  if (!cluster) return ctx.fail(cluster.error());
  auto groups = groups_in;
  if (groups.empty()) {
    auto listed = (*cluster)->groups();
    if (!listed) return ctx.fail(listed.error());
    groups = std::move(*listed);
  }
  auto topics = topics_in;
  if (topics.empty()) {
    auto all = (*cluster)->topics();
    if (!all) return ctx.fail(all.error());
    for (const auto& t : *all) topics.push_back(t.name);
  }
  Rows rows({{"group"}, {"topic"}, {"partition"}, {"committed"}, {"end"}, {"lag"}});
  for (const auto& g : groups) {
    auto offsets = (*cluster)->group_offsets(g, topics);
    if (!offsets) return ctx.fail(offsets.error());
    for (const auto& o : *offsets) {
      rows.add({g, o.topic, std::int64_t{o.partition}, o.committed, o.high,
                std::max<std::int64_t>(0, o.high - o.committed)});
    }
  }
  ctx.render(rows);
  return code(rows.empty() ? Exit::nothing_matched : Exit::ok);
}

int trace(Context& ctx, const std::string& correlation_id, const std::vector<std::string>& topics_in,
          const std::optional<std::string>& since_text) {
  std::optional<TimePoint> since;
  if (since_text) {
    auto t = parse_time(*since_text, ctx.now());
    if (!t) return ctx.fail(t.error());
    since = *t;
  }
  auto cluster = ctx.cluster();
  if (!cluster) return ctx.fail(cluster.error());
  auto topics = topics_in;
  if (topics.empty()) {
    auto all = (*cluster)->topics();
    if (!all) return ctx.fail(all.error());
    for (const auto& t : *all) topics.push_back(t.name);
  }
  std::vector<EventView> found;
  ReadRequest request{topics, OffsetSpec{}, {}, {}, false, ctx.io().interrupted};
  auto r = (*cluster)->read(request, [&](const kafka::Message& m) {
    if (since && TimePoint(std::chrono::milliseconds(m.timestamp_ms())) < *since) return true;
    // The header is the cheap test (DESIGN §3); the envelope decides.
    if (auto h = m.header("correlationid"); h && *h != correlation_id) return true;
    auto v = view_of(m);
    if (v.envelope && v.event.correlationid == correlation_id) found.push_back(std::move(v));
    return true;
  });
  if (!r) return ctx.fail(r.error());
  std::stable_sort(found.begin(), found.end(), [](const EventView& x, const EventView& y) {
    const auto tx = events::parse_rfc3339(x.event.time), ty = events::parse_rfc3339(y.event.time);
    const auto ax = tx ? *tx : TimePoint{}, ay = ty ? *ty : TimePoint{};
    return std::tie(ax, x.timestamp_ms) < std::tie(ay, y.timestamp_ms);
  });
  Rows rows({{"time"},
             {"topic"},
             {"type"},
             {"key"},
             {"id"},
             {"causationid"},
             {"data", true},
             {"partition", true},
             {"offset", true}});
  for (const auto& v : found) {
    rows.add({v.event.time, v.topic, v.event.type, v.key, v.event.id,
              v.event.causationid.empty() ? Value{} : Value{v.event.causationid}, RawJson{v.event.data},
              std::int64_t{v.partition}, v.offset});
  }
  ctx.render(rows);
  return code(rows.empty() ? Exit::nothing_matched : Exit::ok);
}

}  // namespace caas::ctl
