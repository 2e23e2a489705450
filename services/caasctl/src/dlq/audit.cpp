#include "dlq/audit.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <unistd.h>

#include <cstdlib>

namespace caas::ctl {

namespace json = caas::events::json;

AuditedRecord audited(const DeadLetter& d) {
  return {d.ref, d.key, d.original_topic, d.original_partition, d.original_offset, d.event_id};
}

std::string audit_data(const AuditAction& a) {
  json::Writer w;
  w.begin_object();
  w.field("action", a.action).field("outcome", a.outcome).field("actor", a.actor);
  w.field_if("reason", a.reason);
  w.field("at", a.at);
  w.field_if("service", a.service);
  w.field_if("plan_id", a.plan_id);
  if (a.sent) w.field("sent", *a.sent);
  if (a.skipped) w.field("skipped", *a.skipped);
  if (a.failed) w.field("failed", *a.failed);
  w.key("records").begin_array();
  for (const auto& r : a.records) {
    w.begin_object();
    w.field("dlq_topic", r.dlq.topic).field("dlq_partition", r.dlq.partition).field("dlq_offset", r.dlq.offset);
    w.field("key", r.key);
    w.field_if("original_topic", r.original_topic);
    if (r.original_partition >= 0) w.field("original_partition", r.original_partition);
    if (r.original_offset >= 0) w.field("original_offset", r.original_offset);
    w.field_if("event_id", r.event_id);
    w.end_object();
  }
  w.end_array();
  if (!a.data_before.empty()) w.key("data_before").raw(a.data_before);
  if (!a.data_after.empty()) w.key("data_after").raw(a.data_after);
  if (!a.report.empty()) w.key("report").raw(a.report);
  w.end_object();
  return w.str();
}

Result<kafka::Record> audit_record(const AuditAction& a, std::string_view subject,
                                   const events::SchemaRegistry& schemas) {
  const auto data = audit_data(a);
  const std::string correlation = a.plan_id.empty() ? events::uuid_v4() : a.plan_id;
  auto envelope =
      events::make_envelope(kAuditType, "caas/caasctl", subject.empty() ? "-" : subject, data, correlation, "");
  if (!envelope) return envelope.error();
  if (auto valid = schemas.validate(*envelope); !valid) return valid.error();
  kafka::Record r{std::string(kAuditTopic), std::string(subject), events::serialize(*envelope), {}, {}};
  for (auto& [k, v] : events::kafka_headers(*envelope)) r.headers.push_back({k, v});
  return r;
}

std::optional<AuditAction> parse_audit(std::string_view value) {
  auto env = events::parse_envelope(value);
  if (!env || env->type != kAuditType) return std::nullopt;
  auto doc = events::parse_strict_json(env->data);
  if (!doc) return std::nullopt;
  const auto& d = *doc;
  AuditAction a;
  a.action = json::str(d, "action");
  a.outcome = json::str(d, "outcome");
  a.actor = json::str(d, "actor");
  a.reason = json::str(d, "reason");
  a.at = json::str(d, "at");
  a.service = json::str(d, "service");
  a.plan_id = json::str(d, "plan_id");
  a.sent = json::int64(d, "sent");
  a.skipped = json::int64(d, "skipped");
  a.failed = json::int64(d, "failed");
  a.event_id = env->id;
  a.subject = env->subject;
  if (const auto* recs = json::member(d, "records"); recs && recs->IsArray()) {
    for (const auto& r : recs->GetArray()) {
      AuditedRecord ar;
      ar.dlq.topic = json::str(r, "dlq_topic");
      ar.dlq.partition = static_cast<std::int32_t>(json::int64(r, "dlq_partition").value_or(0));
      ar.dlq.offset = json::int64(r, "dlq_offset").value_or(0);
      ar.key = json::str(r, "key");
      ar.original_topic = json::str(r, "original_topic");
      ar.original_partition = static_cast<std::int32_t>(json::int64(r, "original_partition").value_or(-1));
      ar.original_offset = json::int64(r, "original_offset").value_or(-1);
      ar.event_id = json::str(r, "event_id");
      a.records.push_back(std::move(ar));
    }
  }
  auto raw = [&](const char* name) {
    const auto* m = json::member(d, name);
    if (!m) return std::string{};
    json::Writer w;
    w.value(*m);
    return w.str();
  };
  a.data_before = raw("data_before");
  a.data_after = raw("data_after");
  a.report = raw("report");
  return a;
}

void fold(AuditState& state, const AuditAction& a) {
  if (a.outcome != "completed") return;
  if (a.action == "redrive" || a.action == "discard") {
    for (const auto& r : a.records) state.resolved[r.dlq] = {a.action, a.plan_id, a.at};
  } else if (a.action == "edit") {
    for (const auto& r : a.records) state.edits[r.dlq] = {a.data_after, a.at, a.actor};
  }
}

std::string default_actor() {
  if (const char* op = std::getenv("CAAS_OPERATOR"); op && *op) return op;
  const char* user = std::getenv("USER");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(user && *user ? user : "unknown") + "@" + (host[0] ? host : "localhost");
}

}  // namespace caas::ctl
