// dlq list | search | show | stats | edit | history (redrive and discard: redrive.cpp).
#include "app/dlq_common.hpp"
#include "dlq/edit.hpp"

#include <caas/core/time.hpp>
#include <caas/events/envelope.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace caas::ctl {

Result<std::vector<DeadLetter>> load_dead_letters(Context& ctx, const std::vector<std::string>& topics_in) {
  auto cluster = ctx.cluster();
  if (!cluster) return cluster.error();
  auto topics = topics_in;
  if (topics.empty()) {
    auto all = (*cluster)->topics();
    if (!all) return all.error();
    for (const auto& t : *all) {
      if (is_dlq_topic(t.name)) topics.push_back(t.name);
    }
  }
  std::vector<DeadLetter> out;
  if (topics.empty()) return out;
  ReadRequest request{topics, OffsetSpec{}, {}, {}, false, ctx.io().interrupted};
  auto r = (*cluster)->read(request, [&](const kafka::Message& m) {
    out.push_back(decode_dead_letter(m.to_record(), m.timestamp_ms()));
    return true;
  });
  if (!r) return r.error();
  std::sort(out.begin(), out.end(), [](const DeadLetter& a, const DeadLetter& b) { return a.ref < b.ref; });
  return out;
}

Result<std::vector<AuditAction>> load_audit(Context& ctx, AuditState& state) {
  auto cluster = ctx.cluster();
  if (!cluster) return cluster.error();
  std::vector<AuditAction> actions;
  auto all = (*cluster)->topics();
  if (!all) return all.error();
  if (std::none_of(all->begin(), all->end(), [](const TopicInfo& t) { return t.name == kAuditTopic; })) {
    return actions;  // nothing audited yet on this cluster
  }
  std::vector<std::pair<std::int64_t, AuditAction>> timed;
  ReadRequest request{{std::string(kAuditTopic)}, OffsetSpec{}, {}, {}, false, ctx.io().interrupted};
  auto r = (*cluster)->read(request, [&](const kafka::Message& m) {
    if (auto a = parse_audit(m.value())) timed.emplace_back(m.timestamp_ms(), std::move(*a));
    return true;
  });
  if (!r) return r.error();
  std::stable_sort(timed.begin(), timed.end(), [](auto& a, auto& b) { return a.second.at < b.second.at; });
  for (auto& [ts, a] : timed) {
    fold(state, a);
    actions.push_back(std::move(a));
  }
  return actions;
}

Result<DlqFilter> make_filter(Context& ctx, const DlqArgs& a) {
  DlqFilter f;
  f.service = a.service;
  f.key = a.key;
  f.error_class = a.error_class;
  f.error_text = a.error_text;
  f.original_topic = a.original_topic;
  f.type = a.type;
  f.parked_only = a.parked_only;
  f.include_resolved = a.include_resolved;
  for (const auto& h : a.headers) {
    auto p = parse_header_filter(h);
    if (!p) return p.error();
    f.headers.push_back(*p);
  }
  for (const auto& r : a.refs) {
    auto ref = parse_record_ref(r);
    if (!ref) return ref.error();
    f.refs.push_back(*ref);
  }
  if (a.since) {
    auto t = parse_time(*a.since, ctx.now());
    if (!t) return t.error();
    f.since = *t;
  }
  if (a.until) {
    auto t = parse_time(*a.until, ctx.now());
    if (!t) return t.error();
    f.until = *t;
  }
  return f;
}

std::string status_of(const DeadLetter& d, const AuditState& audit) {
  auto it = audit.resolved.find(d.ref);
  if (it == audit.resolved.end()) return audit.edits.count(d.ref) ? "pending-edited" : "pending";
  return it->second.action == "discard" ? "discarded" : "redriven";
}

std::string original_of(const DeadLetter& d) {
  if (d.original_topic.empty()) return {};
  return d.original_topic + "/" + std::to_string(d.original_partition) + "/" + std::to_string(d.original_offset);
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains_text(const DeadLetter& d, const std::string& text) {
  const auto t = lower(text);
  return lower(d.key).find(t) != std::string::npos || lower(d.error_message).find(t) != std::string::npos ||
         lower(d.value).find(t) != std::string::npos;
}

std::string age(Context& ctx, const std::string& rfc3339) {
  auto t = events::parse_rfc3339(rfc3339);
  return t ? relative(*t, ctx.now()) : std::string{};
}

}  // namespace

int dlq_list(Context& ctx, const DlqArgs& a) {
  auto filter = make_filter(ctx, a);
  if (!filter) return ctx.fail(filter.error());
  auto all = load_dead_letters(ctx, a.topics);
  if (!all) return ctx.fail(all.error());
  AuditState audit;
  if (auto actions = load_audit(ctx, audit); !actions) return ctx.fail(actions.error());
  if (a.keys) {
    Rows rows({{"service"}, {"original_topic"}, {"key"}, {"pending"}, {"behind"}, {"first"}, {"since"}, {"error"}});
    for (const auto& p : parked_keys(*all, audit)) {
      const auto* head = p.chain.front();
      if (!filter->matches(*head, audit)) continue;
      rows.add({p.service, p.original_topic, p.key, static_cast<std::int64_t>(p.chain.size()),
                static_cast<std::int64_t>(p.chain.size() - 1), head->ref.str(), head->first_failed_at,
                head->error_message});
    }
    ctx.render(rows);
    return code(rows.empty() ? Exit::nothing_matched : Exit::ok);
  }
  Rows rows({{"ref"},
             {"service"},
             {"key"},
             {"error_class"},
             {"error"},
             {"original"},
             {"parked"},
             {"status"},
             {"age"},
             {"type", true},
             {"event_id", true},
             {"first_failed_at", true},
             {"attempts", true},
             {"redrives", true},
             {"format", true},
             {"key_parked", true}});
  for (const auto& d : *all) {
    if (!filter->matches(d, audit)) continue;
    if (a.text && !contains_text(d, *a.text)) continue;
    rows.add({d.ref.str(), d.service, d.key, d.error_class, d.error_message, original_of(d), d.parked,
              status_of(d, audit), age(ctx, d.first_failed_at), d.event_type, d.event_id, d.first_failed_at,
              std::int64_t{d.attempts}, std::int64_t{d.redrives}, std::string(to_string(d.format)), d.key_parked});
  }
  ctx.render(rows);
  return code(rows.empty() ? Exit::nothing_matched : Exit::ok);
}

Result<DeadLetter> read_dead_letter(Context& ctx, const RecordRef& ref) {
  auto cluster = ctx.cluster();
  if (!cluster) return cluster.error();
  std::optional<DeadLetter> found;
  ReadRequest request{{ref.topic}, OffsetSpec{}, {{{ref.topic, ref.partition}, ref.offset}},
                      {},          false,        ctx.io().interrupted};
  auto r = (*cluster)->read(request, [&](const kafka::Message& m) {
    if (m.offset() == ref.offset) found = decode_dead_letter(m.to_record(), m.timestamp_ms());
    return false;  // the first record read is at (or, compacted, after) the offset
  });
  if (!r) return r.error();
  if (!found) return Error{std::make_error_code(std::errc::no_such_file_or_directory), "no record at " + ref.str()};
  return *found;
}

int dlq_show(Context& ctx, const DlqArgs& a) {
  auto ref = parse_record_ref(a.refs.front());
  if (!ref) return ctx.fail(ref.error());
  auto d = read_dead_letter(ctx, *ref);
  if (!d) {
    ctx.note(d.error().message);
    return code(d.error().code == std::errc::no_such_file_or_directory ? Exit::nothing_matched : Exit::error);
  }
  AuditState audit;
  if (auto actions = load_audit(ctx, audit); !actions) return ctx.fail(actions.error());
  std::string headers = "{";
  for (const auto& h : d->headers)
    headers += (headers.size() > 1 ? "," : "") + json_quote(h.key) + ":" + json_quote(h.value);
  headers += "}";
  const auto edit = audit.edits.find(d->ref);
  Rows rows({{"ref"},         {"format"},   {"service"},         {"key"},           {"original"},   {"error_class"},
             {"error"},       {"attempts"}, {"first_failed_at"}, {"parked"},        {"key_parked"}, {"redrives"},
             {"status"},      {"type"},     {"event_id"},        {"correlationid"}, {"time"},       {"data"},
             {"edited_data"}, {"value"},    {"headers"}});
  rows.add({d->ref.str(),
            std::string(to_string(d->format)),
            d->service,
            d->key,
            original_of(*d),
            d->error_class,
            d->error_message,
            std::int64_t{d->attempts},
            d->first_failed_at,
            d->parked,
            d->key_parked,
            std::int64_t{d->redrives},
            status_of(*d, audit),
            d->event_type,
            d->event_id,
            d->correlation_id,
            d->event_time,
            d->envelope ? Value{RawJson{d->data}} : Value{},
            edit != audit.edits.end() ? Value{RawJson{edit->second.data_after}} : Value{},
            d->envelope ? Value{} : Value{d->value},
            RawJson{headers}});
  if (ctx.format() == Format::table || ctx.format() == Format::wide) {
    // One record: a field per line reads better than a one-row table.
    const auto& row = rows.rows().front();
    for (std::size_t i = 0; i < rows.columns().size(); ++i) {
      const auto text = cell_text(row[i]);
      if (text.empty()) continue;
      ctx.out() << rows.columns()[i].name << ": " << text << '\n';
    }
  } else {
    ctx.render(rows);
  }
  return code(Exit::ok);
}

int dlq_stats(Context& ctx, const DlqArgs& a) {
  auto filter = make_filter(ctx, a);
  if (!filter) return ctx.fail(filter.error());
  auto all = load_dead_letters(ctx, a.topics);
  if (!all) return ctx.fail(all.error());
  AuditState audit;
  if (auto actions = load_audit(ctx, audit); !actions) return ctx.fail(actions.error());
  struct Group {
    std::int64_t count = 0, parked = 0;
    std::string oldest;
  };
  std::map<std::string, Group> groups;
  for (const auto& d : *all) {
    if (!filter->matches(d, audit)) continue;
    const auto& k = a.by == "service" ? d.service
                    : a.by == "topic" ? d.original_topic
                    : a.by == "key"   ? d.key
                                      : d.error_class;
    auto& g = groups[k];
    ++g.count;
    g.parked += d.parked;
    if (g.oldest.empty() || d.first_failed_at < g.oldest) g.oldest = d.first_failed_at;
  }
  std::string by = a.by;
  std::replace(by.begin(), by.end(), '-', '_');
  Rows rows({{by}, {"count"}, {"parked"}, {"oldest"}, {"age"}});
  for (const auto& [k, g] : groups) rows.add({k, g.count, g.parked, g.oldest, age(ctx, g.oldest)});
  ctx.render(rows);
  return code(rows.empty() ? Exit::nothing_matched : Exit::ok);
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return usage_error("cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<void> write_file(const std::string& path, const std::string& text) {
  const auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{std::make_error_code(std::errc::io_error), "cannot write '" + tmp + "'"};
    out << text;
    if (!out.flush()) return Error{std::make_error_code(std::errc::io_error), "cannot write '" + tmp + "'"};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error{std::make_error_code(std::errc::io_error), "cannot rename '" + tmp + "' to '" + path + "'"};
  }
  return {};
}

Result<void> record_action(Context& ctx, const AuditAction& action, std::string_view subject) {
  auto schemas = ctx.schemas();
  if (!schemas) return schemas.error();
  auto record = audit_record(action, subject, **schemas);
  if (!record) return record.error();
  auto cluster = ctx.cluster();
  if (!cluster) return cluster.error();
  auto report = (*cluster)->produce(std::move(*record));
  if (!report) return Error{report.error().code, "audit event not recorded: " + report.error().message};
  return {};
}

int dlq_edit(Context& ctx, const DlqArgs& a) {
  auto ref = parse_record_ref(a.refs.front());
  if (!ref) return ctx.fail(ref.error());
  if (a.data_file.empty() == a.patch_file.empty()) return ctx.fail(usage_error("give --data-file or --patch"));
  auto d = read_dead_letter(ctx, *ref);
  if (!d) return ctx.fail(d.error());
  if (!d->envelope)
    return ctx.fail(Error{std::make_error_code(std::errc::io_error),
                          ref->str() + " is not a CloudEvent: its data cannot be edited"});
  AuditState audit;
  if (auto actions = load_audit(ctx, audit); !actions) return ctx.fail(actions.error());
  if (audit.resolved.count(*ref))
    return ctx.fail(
        Error{std::make_error_code(std::errc::operation_not_permitted), ref->str() + " is resolved already"});
  const auto previous = audit.edits.find(*ref);
  const std::string before = previous != audit.edits.end() ? previous->second.data_after : d->data;
  Result<std::string> after = usage_error("unreachable");
  if (!a.data_file.empty()) {
    auto text = read_file(a.data_file);
    if (!text) return ctx.fail(text.error());
    after = compact_object(*text);
  } else {
    auto patch = read_file(a.patch_file);
    if (!patch) return ctx.fail(patch.error());
    after = apply_patch(before, *patch);
  }
  if (!after)
    return ctx.fail(Error{std::make_error_code(std::errc::invalid_argument), "edit: " + after.error().message});
  auto schemas = ctx.schemas();
  if (!schemas) return ctx.fail(schemas.error());
  auto env = events::parse_envelope(d->value);
  const std::string schema = env->dataschema.empty() ? env->type : env->dataschema;
  if (auto valid = (*schemas)->validate_json(schema, *after); !valid) {
    ctx.note("the edited data does not match " + schema + ": " + valid.error().message);
    return code(Exit::error);
  }
  const auto diff = json_diff(before, *after);
  if (diff.empty()) {
    ctx.note("the edit changes nothing");
    return code(Exit::error);
  }
  ctx.io().err << "--- " << ref->str() << " (" << (previous != audit.edits.end() ? "last edit" : "dead letter")
               << ")\n+++ edited\n"
               << diff;
  if (!a.plan.empty()) {
    auto text = read_file(a.plan);
    if (!text) return ctx.fail(text.error());
    auto plan = parse_plan(*text);
    if (!plan) return ctx.fail(plan.error());
    bool placed = false;
    for (auto& s : plan->steps) {
      if (s.kind != PlanStep::Kind::record || !(s.source == *ref)) continue;
      auto value = replace_data(s.value, *after);
      if (!value) return ctx.fail(value.error());
      s.value = std::move(*value);
      s.edited = true;
      placed = true;
    }
    if (!placed) return ctx.fail(usage_error(ref->str() + " is not in the plan " + a.plan));
    if (auto w = write_file(a.plan, plan_json(*plan)); !w) return ctx.fail(w.error());
  }
  AuditAction action;
  action.action = "edit";
  action.outcome = "completed";
  action.actor = ctx.actor();
  action.reason = a.reason;
  action.at = caas::format_rfc3339(ctx.now());
  action.service = d->service;
  action.records = {audited(*d)};
  action.data_before = before;
  action.data_after = *after;
  if (auto r = record_action(ctx, action, d->key); !r) return ctx.fail(r.error());
  Rows rows({{"ref"}, {"key"}, {"event_id"}, {"data_before"}, {"data_after"}});
  rows.add({ref->str(), d->key, d->event_id, RawJson{before}, RawJson{*after}});
  ctx.render(rows);
  return code(Exit::ok);
}

int dlq_history(Context& ctx, const DlqArgs& a) {
  std::optional<TimePoint> since;
  if (a.since) {
    auto t = parse_time(*a.since, ctx.now());
    if (!t) return ctx.fail(t.error());
    since = *t;
  }
  AuditState audit;
  auto actions = load_audit(ctx, audit);
  if (!actions) return ctx.fail(actions.error());
  Rows rows({{"at"},
             {"action"},
             {"outcome"},
             {"actor"},
             {"subject"},
             {"records"},
             {"reason"},
             {"plan_id", true},
             {"sent", true},
             {"skipped", true},
             {"refs", true},
             {"data_before", true},
             {"data_after", true}});
  for (const auto& x : *actions) {
    if (a.key && x.subject != *a.key) continue;
    if (a.plan_id && x.plan_id != *a.plan_id) continue;
    if (a.action && x.action != *a.action) continue;
    if (since) {
      auto t = events::parse_rfc3339(x.at);
      if (!t || *t < *since) continue;
    }
    std::string refs;
    for (const auto& r : x.records) refs += (refs.empty() ? "" : " ") + r.dlq.str();
    auto opt = [](const std::optional<std::int64_t>& v) { return v ? Value{*v} : Value{}; };
    rows.add({x.at, x.action, x.outcome, x.actor, x.subject, static_cast<std::int64_t>(x.records.size()), x.reason,
              x.plan_id, opt(x.sent), opt(x.skipped), refs,
              x.data_before.empty() ? Value{} : Value{RawJson{x.data_before}},
              x.data_after.empty() ? Value{} : Value{RawJson{x.data_after}}});
  }
  ctx.render(rows);
  return code(rows.empty() ? Exit::nothing_matched : Exit::ok);
}

}  // namespace caas::ctl
