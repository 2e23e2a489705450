#include "dlq/plan.hpp"

#include <caas/core/base64.hpp>
#include <caas/events/envelope.hpp>
#include <caas/events/json_util.hpp>
#include <caas/kafka/dlq.hpp>

#include <rapidjson/document.h>

#include <system_error>

namespace caas::ctl {

namespace json = caas::events::json;
namespace rh = caas::kafka::redrive_headers;

namespace {

Error refused(std::string message) {
  return Error{std::make_error_code(std::errc::operation_not_permitted), std::move(message)};
}

// Headers that describe an earlier failure or redrive, not the record.
bool is_failure_header(std::string_view k) {
  return k.starts_with("dlq.") || k.starts_with("caas.redrive.") || k.starts_with("caas.release.") ||
         k == rh::kControl || k.starts_with("__connect.errors.") || k.starts_with("kafka_dlt-");
}

void set(kafka::Headers& h, std::string_view k, std::string v) {
  h.push_back({std::string(k), std::move(v)});
}

}  // namespace

kafka::Record PlanStep::record() const {
  kafka::Record r{topic, key, value, headers, partition};
  return r;
}

std::size_t Plan::record_steps() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.kind == PlanStep::Kind::record;
  return n;
}

std::size_t Plan::release_steps() const {
  return steps.size() - record_steps();
}

Result<std::string> replace_data(std::string_view value, std::string_view data) {
  auto env = events::parse_envelope(value);
  if (!env) return env.error();
  auto doc = events::parse_strict_json(data);
  if (!doc) return doc.error();
  if (!doc->IsObject()) return Error{std::make_error_code(std::errc::invalid_argument), "data must be a JSON object"};
  json::Writer w;
  w.value(*doc);
  env->data = w.str();
  return events::serialize(*env);
}

Result<Plan> make_redrive_plan(const std::vector<std::vector<const DeadLetter*>>& chains, const AuditState& audit,
                               const PlanRequest& request) {
  Plan plan{request.id, "redrive", request.now, request.actor, request.reason, request.max_redrives, {}, {}};
  int seq = 0;
  for (const auto& chain : chains) {
    if (chain.empty()) continue;
    for (const auto* d : chain) {
      if (d->original_topic.empty() || d->original_partition < 0) {
        return refused(d->ref.str() + " does not name its original topic and partition; it cannot be redriven");
      }
      if (d->redrives >= request.max_redrives) {
        return refused(d->ref.str() + " has been redriven " + std::to_string(d->redrives) +
                       " times already (--max-redrives " + std::to_string(request.max_redrives) + ")");
      }
      plan.covers.push_back(audited(*d));
      PlanStep s;
      s.seq = ++seq;
      s.kind = PlanStep::Kind::record;
      s.service = d->service;
      s.topic = d->original_topic;
      s.partition = d->original_partition;
      s.key = d->key;
      s.value = d->value;
      s.source = d->ref;
      s.original_offset = d->original_offset;
      s.event_id = d->event_id;
      if (auto e = audit.edits.find(d->ref); e != audit.edits.end()) {
        auto edited = replace_data(d->value, e->second.data_after);
        if (!edited) return refused(d->ref.str() + ": its edit cannot be applied: " + edited.error().message);
        s.value = std::move(*edited);
        s.edited = true;
      }
      for (const auto& h : d->headers) {
        if (!is_failure_header(h.key)) s.headers.push_back(h);
      }
      set(s.headers, rh::kPlan, plan.id);
      set(s.headers, rh::kService, d->service);
      set(s.headers, rh::kCount, std::to_string(d->redrives + 1));
      set(s.headers, rh::kSource, d->ref.str());
      set(s.headers, rh::kSeq, std::to_string(s.seq));
      plan.steps.push_back(std::move(s));
    }
    const auto* head = chain.front();
    if (head->format == DlqFormat::caas && head->key_parked) {
      PlanStep r;
      r.seq = ++seq;
      r.kind = PlanStep::Kind::release;
      r.service = head->service;
      r.topic = head->original_topic;
      r.partition = head->original_partition;
      r.key = head->key;
      r.resolves = 0;  // the redriven records resolve themselves when applied
      r.value = R"({"control":"release","plan":")" + plan.id + R"("})";
      set(r.headers, rh::kControl, std::string(rh::kControlRelease));
      set(r.headers, rh::kPlan, plan.id);
      set(r.headers, rh::kService, head->service);
      set(r.headers, rh::kResolves, "0");
      set(r.headers, rh::kSeq, std::to_string(r.seq));
      plan.steps.push_back(std::move(r));
    }
  }
  return plan;
}

Result<Plan> make_discard_plan(const std::vector<std::vector<const DeadLetter*>>& chains, const PlanRequest& request) {
  Plan plan{request.id, "discard", request.now, request.actor, request.reason, request.max_redrives, {}, {}};
  int seq = 0;
  for (const auto& chain : chains) {
    if (chain.empty()) continue;
    for (const auto* d : chain) plan.covers.push_back(audited(*d));
    const auto* head = chain.front();
    // A key that is not parked needs no marker: the dead letters are only
    // marked resolved (in the audit log).
    if (head->format != DlqFormat::caas || !head->key_parked) continue;
    PlanStep r;
    r.seq = ++seq;
    r.kind = PlanStep::Kind::release;
    r.service = head->service;
    r.topic = head->original_topic;
    r.partition = head->original_partition;
    r.key = head->key;
    r.resolves = static_cast<int>(chain.size());
    r.value = R"({"control":"release","plan":")" + plan.id + R"("})";
    set(r.headers, rh::kControl, std::string(rh::kControlRelease));
    set(r.headers, rh::kPlan, plan.id);
    set(r.headers, rh::kService, head->service);
    set(r.headers, rh::kResolves, std::to_string(r.resolves));
    set(r.headers, rh::kSeq, std::to_string(r.seq));
    plan.steps.push_back(std::move(r));
  }
  return plan;
}

std::string plan_json(const Plan& plan) {
  json::Writer w;
  w.begin_object();
  w.field("plan_id", plan.id).field("action", plan.action).field("created_at", plan.created_at);
  w.field("actor", plan.actor).field("reason", plan.reason).field("max_redrives", plan.max_redrives);
  w.field("records", static_cast<std::int64_t>(plan.record_steps()));
  w.field("releases", static_cast<std::int64_t>(plan.release_steps()));
  w.key("steps").begin_array();
  for (const auto& s : plan.steps) {
    w.begin_object();
    w.field("seq", s.seq).field("kind", s.kind == PlanStep::Kind::record ? "record" : "release");
    w.field("service", s.service).field("topic", s.topic).field("partition", s.partition).field("key", s.key);
    if (s.kind == PlanStep::Kind::record) {
      w.field("source", s.source.str()).field("original_offset", s.original_offset);
      w.field("event_id", s.event_id).field("edited", s.edited);
    } else {
      w.field("resolves", s.resolves);
    }
    w.field("value_b64", caas::base64_encode(s.value));
    w.key("headers").begin_array();
    for (const auto& h : s.headers) {
      w.begin_object().field("key", h.key).field("value_b64", caas::base64_encode(h.value)).end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("covers").begin_array();
  for (const auto& c : plan.covers) {
    w.begin_object().field("dlq", c.dlq.str()).field("key", c.key).field("original_topic", c.original_topic);
    w.field("original_partition", c.original_partition).field("original_offset", c.original_offset);
    w.field("event_id", c.event_id).end_object();
  }
  w.end_array();
  w.end_object();
  return w.str();
}

Result<Plan> parse_plan(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  auto bad = [](std::string why) {
    return Error{std::make_error_code(std::errc::invalid_argument), "bad plan: " + why};
  };
  if (d.HasParseError() || !d.IsObject()) return bad("not a JSON object");
  Plan p;
  p.id = json::str(d, "plan_id");
  p.action = json::str(d, "action");
  p.created_at = json::str(d, "created_at");
  p.actor = json::str(d, "actor");
  p.reason = json::str(d, "reason");
  p.max_redrives = static_cast<int>(json::int64(d, "max_redrives").value_or(3));
  if (p.id.empty() || (p.action != "redrive" && p.action != "discard")) return bad("plan_id and action required");
  const auto* steps = json::member(d, "steps");
  if (!steps || !steps->IsArray()) return bad("steps missing");
  for (const auto& js : steps->GetArray()) {
    PlanStep s;
    s.seq = static_cast<int>(json::int64(js, "seq").value_or(0));
    const auto kind = json::str(js, "kind");
    if (kind != "record" && kind != "release") return bad("step kind '" + kind + "'");
    s.kind = kind == "record" ? PlanStep::Kind::record : PlanStep::Kind::release;
    s.service = json::str(js, "service");
    s.topic = json::str(js, "topic");
    s.partition = static_cast<std::int32_t>(json::int64(js, "partition").value_or(-1));
    s.key = json::str(js, "key");
    if (s.kind == PlanStep::Kind::record) {
      auto ref = parse_record_ref(json::str(js, "source"));
      if (!ref) return bad("step " + std::to_string(s.seq) + ": " + ref.error().message);
      s.source = *ref;
      s.original_offset = json::int64(js, "original_offset").value_or(-1);
      s.event_id = json::str(js, "event_id");
      s.edited = json::boolean(js, "edited");
    } else {
      s.resolves = static_cast<int>(json::int64(js, "resolves").value_or(0));
    }
    auto value = caas::base64_decode(json::str(js, "value_b64"));
    if (!value) return bad("step " + std::to_string(s.seq) + ": value_b64");
    s.value = std::move(*value);
    if (const auto* hs = json::member(js, "headers"); hs && hs->IsArray()) {
      for (const auto& h : hs->GetArray()) {
        auto v = caas::base64_decode(json::str(h, "value_b64"));
        if (!v) return bad("step " + std::to_string(s.seq) + ": header value_b64");
        s.headers.push_back({json::str(h, "key"), std::move(*v)});
      }
    }
    if (s.topic.empty() || s.partition < 0 || s.seq != static_cast<int>(p.steps.size()) + 1) {
      return bad("step " + std::to_string(s.seq) + " incomplete or out of sequence");
    }
    p.steps.push_back(std::move(s));
  }
  if (const auto* covers = json::member(d, "covers"); covers && covers->IsArray()) {
    for (const auto& c : covers->GetArray()) {
      auto ref = parse_record_ref(json::str(c, "dlq"));
      if (!ref) return bad("covers: " + ref.error().message);
      p.covers.push_back({*ref, json::str(c, "key"), json::str(c, "original_topic"),
                          static_cast<std::int32_t>(json::int64(c, "original_partition").value_or(-1)),
                          json::int64(c, "original_offset").value_or(-1), json::str(c, "event_id")});
    }
  }
  return p;
}

}  // namespace caas::ctl
