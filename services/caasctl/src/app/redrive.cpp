// dlq redrive and dlq discard: select, plan, execute (resumable).
//
// Resuming without sending anything twice: before the first step, the
// progress file (<plan>.progress) records the end offset of every target
// partition; each acknowledged step is appended to it. A resumed run skips
// what the file lists and also every step it finds in the target partitions
// after those offsets (headers caas.redrive.plan + caas.redrive.seq) — a step
// acknowledged by the broker but not yet written to the file when the run was
// killed is found there.
#include "app/dlq_common.hpp"

#include <caas/core/time.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json_util.hpp>
#include <caas/kafka/dlq.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <tuple>

namespace caas::ctl {

namespace {

namespace json = caas::events::json;
namespace rh = caas::kafka::redrive_headers;

Error refused(std::string message) {
  return Error{std::make_error_code(std::errc::operation_not_permitted), std::move(message)};
}

bool narrow(const DlqArgs& a) {
  return a.key.has_value() || !a.refs.empty();
}

// One chain per key (its pending dead letters in order), one per record of a
// service that does not park; ordered by where they were in their topics.
Result<std::vector<std::vector<const DeadLetter*>>> select_chains(Context& ctx, const DlqArgs& a,
                                                                  const std::vector<DeadLetter>& all,
                                                                  const AuditState& audit) {
  auto filter = make_filter(ctx, a);
  if (!filter) return filter.error();
  filter->include_resolved = false;
  std::vector<std::vector<const DeadLetter*>> chains;
  std::set<std::tuple<std::string, std::string, std::string>> keys_seen;
  for (const auto& d : all) {
    if (!filter->matches(d, audit)) continue;
    if (d.key_parked) {
      if (!keys_seen.insert({d.service, d.original_topic, d.key}).second) continue;
    }
    chains.push_back(chain_of(d, all, audit));
  }
  std::sort(chains.begin(), chains.end(), [](const auto& x, const auto& y) {
    return std::tie(x.front()->original_topic, x.front()->original_partition, x.front()->original_offset) <
           std::tie(y.front()->original_topic, y.front()->original_partition, y.front()->original_offset);
  });
  return chains;
}

void print_plan(Context& ctx, const Plan& plan) {
  Rows rows({{"seq"},
             {"kind"},
             {"service"},
             {"topic"},
             {"partition"},
             {"key"},
             {"source"},
             {"original_offset"},
             {"edited"},
             {"resolves", true},
             {"event_id", true}});
  for (const auto& s : plan.steps) {
    const bool rec = s.kind == PlanStep::Kind::record;
    rows.add({std::int64_t{s.seq}, rec ? "record" : "release", s.service, s.topic, std::int64_t{s.partition}, s.key,
              rec ? Value{s.source.str()} : Value{}, rec ? Value{s.original_offset} : Value{},
              rec ? Value{s.edited} : Value{}, rec ? Value{} : Value{std::int64_t{s.resolves}},
              rec ? Value{s.event_id} : Value{}});
  }
  ctx.render(rows);
}

std::string subject_of(const Plan& plan) {
  std::set<std::string> keys;
  for (const auto& c : plan.covers) keys.insert(c.key);
  return keys.size() == 1 ? *keys.begin() : std::string{};
}

AuditAction action_of(Context& ctx, const Plan& plan, std::string action, std::string outcome) {
  AuditAction a;
  a.action = std::move(action);
  a.outcome = std::move(outcome);
  a.actor = ctx.actor();
  a.reason = plan.reason;
  a.at = caas::format_rfc3339(ctx.now());
  a.plan_id = plan.id;
  std::set<std::string> services;
  for (const auto& s : plan.steps) services.insert(s.service);
  if (services.size() == 1) a.service = *services.begin();
  a.records = plan.covers;
  return a;
}

int plan_only(Context& ctx, const DlqArgs& a, bool redrive) {
  if (!narrow(a) && !a.all) {
    return ctx.fail(usage_error(
        "this selects every pending dead letter that matches the filters: name --key or records, or add --all"));
  }
  auto all = load_dead_letters(ctx, a.topics);
  if (!all) return ctx.fail(all.error());
  AuditState audit;
  if (auto actions = load_audit(ctx, audit); !actions) return ctx.fail(actions.error());
  auto chains = select_chains(ctx, a, *all, audit);
  if (!chains) return ctx.fail(chains.error());
  if (chains->empty()) {
    ctx.note("no pending dead letter matches");
    return code(Exit::nothing_matched);
  }
  PlanRequest request{events::uuid_v4(), ctx.actor(), a.reason, caas::format_rfc3339(ctx.now()), a.max_redrives};
  auto plan = redrive ? make_redrive_plan(*chains, audit, request) : make_discard_plan(*chains, request);
  if (!plan) return ctx.fail(plan.error());
  print_plan(ctx, *plan);
  ctx.note("plan " + plan->id + ": " + std::to_string(plan->covers.size()) + " dead letter(s) of " +
           std::to_string(chains->size()) + " key(s); " + std::to_string(plan->record_steps()) + " record(s) and " +
           std::to_string(plan->release_steps()) + " release marker(s) to send");
  if (!a.plan_out.empty()) {
    if (auto w = write_file(a.plan_out, plan_json(*plan)); !w) return ctx.fail(w.error());
    ctx.note("written to " + a.plan_out + "; run it with: caasctl dlq " + plan->action + " --execute --plan " +
             a.plan_out);
  }
  auto planned = action_of(ctx, *plan, redrive ? "redrive-planned" : "discard", "planned");
  if (auto r = record_action(ctx, planned, subject_of(*plan)); !r) return ctx.fail(r.error());
  return code(Exit::ok);
}

struct Progress {
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> start;
  std::set<int> sent;
  bool existed = false;
};

Result<Progress> read_progress(const std::string& path, const Plan& plan) {
  Progress p;
  std::ifstream in(path);
  if (!in) return p;
  p.existed = true;
  std::string line;
  if (!std::getline(in, line)) return p;
  rapidjson::Document d;
  d.Parse(line.c_str());
  if (d.HasParseError() || json::str(d, "plan_id") != plan.id) {
    return refused(path + " belongs to another plan (or is damaged); move it away to start over");
  }
  if (const auto* start = json::member(d, "start"); start && start->IsArray()) {
    for (const auto& s : start->GetArray()) {
      p.start[{json::str(s, "topic"), static_cast<std::int32_t>(json::int64(s, "partition").value_or(0))}] =
          json::int64(s, "offset").value_or(0);
    }
  }
  while (std::getline(in, line)) {
    if (line.rfind("sent ", 0) == 0) p.sent.insert(std::atoi(line.c_str() + 5));
  }
  return p;
}

}  // namespace

int execute_plan(Context& ctx, const DlqArgs& a, const std::string& expected_action) {
  auto text = read_file(a.plan);
  if (!text) return ctx.fail(text.error());
  auto plan = parse_plan(*text);
  if (!plan) return ctx.fail(plan.error());
  if (plan->action != expected_action) {
    return ctx.fail(usage_error(a.plan + " is a " + plan->action + " plan; run it with caasctl dlq " + plan->action));
  }
  AuditState audit;
  if (auto actions = load_audit(ctx, audit); !actions) return ctx.fail(actions.error());
  std::size_t done_by_this = 0;
  for (const auto& c : plan->covers) {
    auto it = audit.resolved.find(c.dlq);
    if (it == audit.resolved.end()) continue;
    if (it->second.plan_id != plan->id) {
      return ctx.fail(refused(c.dlq.str() + " was resolved by plan " + it->second.plan_id + " (" + it->second.action +
                              ") already; make a new plan"));
    }
    ++done_by_this;
  }
  if (done_by_this == plan->covers.size() && !plan->covers.empty()) {
    ctx.note("plan " + plan->id + " has been executed completely already; nothing sent");
    return code(Exit::ok);
  }
  auto cluster = ctx.cluster();
  if (!cluster) return ctx.fail(cluster.error());

  const auto progress_path = a.plan + ".progress";
  auto progress = read_progress(progress_path, *plan);
  if (!progress) return ctx.fail(progress.error());
  std::size_t found_in_log = 0;
  if (progress->existed) {
    // What the broker has from this plan after the recorded start offsets.
    std::vector<std::string> topics;
    for (const auto& [tp, off] : progress->start) {
      if (std::find(topics.begin(), topics.end(), tp.first) == topics.end()) topics.push_back(tp.first);
    }
    ReadRequest request{topics, OffsetSpec{}, progress->start, {}, false, nullptr};
    auto r = (*cluster)->read(request, [&](const kafka::Message& m) {
      if (m.header(rh::kPlan) != std::optional<std::string_view>(plan->id)) return true;
      if (auto seq = m.header(rh::kSeq)) {
        if (progress->sent.insert(std::atoi(std::string(*seq).c_str())).second) ++found_in_log;
      }
      return true;
    });
    if (!r) return ctx.fail(r.error());
    ctx.note("resuming plan " + plan->id + ": " + std::to_string(progress->sent.size()) + " of " +
             std::to_string(plan->steps.size()) + " step(s) sent already (" + std::to_string(found_in_log) +
             " found only in the log)");
  } else {
    std::string header = R"({"plan_id":")" + plan->id + R"(","start":[)";
    std::set<std::pair<std::string, std::int32_t>> targets;
    for (const auto& s : plan->steps) targets.insert({s.topic, s.partition});
    bool first = true;
    for (const auto& [topic, partition] : targets) {
      auto parts = (*cluster)->partitions(topic);
      if (!parts) return ctx.fail(parts.error());
      auto it =
          std::find_if(parts->begin(), parts->end(), [&](const PartitionInfo& p) { return p.partition == partition; });
      if (it == parts->end()) return ctx.fail(refused(topic + " has no partition " + std::to_string(partition)));
      progress->start[{topic, partition}] = it->high;
      header += (first ? "" : ",") + std::string(R"({"topic":)") + json_quote(topic) + R"(,"partition":)" +
                std::to_string(partition) + R"(,"offset":)" + std::to_string(it->high) + "}";
      first = false;
    }
    header += "]}\n";
    std::ofstream out(progress_path, std::ios::trunc);
    if (!(out << header) || !out.flush()) {
      return ctx.fail(Error{std::make_error_code(std::errc::io_error), "cannot write " + progress_path});
    }
    auto started = action_of(ctx, *plan, plan->action, "started");
    if (auto r = record_action(ctx, started, subject_of(*plan)); !r) return ctx.fail(r.error());
  }

  std::ofstream log(progress_path, std::ios::app);
  std::int64_t sent = 0, skipped = 0;
  bool stopped = false;
  std::string failure;
  const auto interval = a.rate ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(1.0 / *a.rate))
                               : std::chrono::steady_clock::duration::zero();
  auto next_send = std::chrono::steady_clock::now();
  for (const auto& step : plan->steps) {
    if (progress->sent.count(step.seq)) {
      ++skipped;
      continue;
    }
    if (ctx.io().interrupted && ctx.io().interrupted->load()) {
      stopped = true;
      break;
    }
    // --rate: pacing, not synchronisation; an interrupt is seen within 50 ms.
    while (std::chrono::steady_clock::now() < next_send) {
      if (ctx.io().interrupted && ctx.io().interrupted->load()) break;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          next_send - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
    }
    if (ctx.io().interrupted && ctx.io().interrupted->load()) {
      stopped = true;
      break;
    }
    next_send = std::chrono::steady_clock::now() + interval;
    auto report = (*cluster)->produce(step.record());
    if (!report) {
      failure = "step " + std::to_string(step.seq) + ": " + report.error().message;
      break;
    }
    log << "sent " << step.seq << '\n';
    log.flush();
    ++sent;
    if (ctx.io().after_step) ctx.io().after_step(step.seq);
  }
  const bool complete = !stopped && failure.empty();
  auto finished = action_of(ctx, *plan, plan->action, complete ? "completed" : (sent ? "partial" : "failed"));
  finished.sent = sent;
  finished.skipped = skipped;
  if (!complete) finished.failed = static_cast<std::int64_t>(plan->steps.size()) - sent - skipped;
  if (auto r = record_action(ctx, finished, subject_of(*plan)); !r) {
    ctx.note(r.error().message);
    return code(Exit::partial);
  }
  Rows rows({{"plan_id"}, {"action"}, {"outcome"}, {"sent"}, {"skipped"}, {"steps"}});
  rows.add({plan->id, plan->action, finished.outcome, sent, skipped, static_cast<std::int64_t>(plan->steps.size())});
  ctx.render(rows);
  if (!failure.empty()) ctx.note(failure + "; run the same command again to resume");
  if (stopped) ctx.note("interrupted; run the same command again to resume");
  return code(complete ? Exit::ok : Exit::partial);
}

int dlq_redrive(Context& ctx, const DlqArgs& a) {
  if (a.execute) {
    if (a.plan.empty()) return ctx.fail(usage_error("--execute runs a plan: give --plan F (made with --plan-out F)"));
    return execute_plan(ctx, a, "redrive");
  }
  if (!a.plan.empty()) return ctx.fail(usage_error("--plan is for --execute; to make a plan use --plan-out"));
  return plan_only(ctx, a, /*redrive=*/true);
}

int dlq_discard(Context& ctx, const DlqArgs& a) {
  if (a.execute) {
    if (a.plan.empty()) return ctx.fail(usage_error("--execute runs a plan: give --plan F (made with --plan-out F)"));
    return execute_plan(ctx, a, "discard");
  }
  if (!a.plan.empty()) return ctx.fail(usage_error("--plan is for --execute; to make a plan use --plan-out"));
  return plan_only(ctx, a, /*redrive=*/false);
}

}  // namespace caas::ctl
