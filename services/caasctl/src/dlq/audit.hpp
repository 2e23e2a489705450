#pragma once
// The audit trail: every operator action is an `ops.action-recorded` event
// (proto-schemas/ops.action-recorded.v1.json) on caas.ops.audit.v1, keyed by
// its subject (the dead letter's key, or the service). `dlq history` reads
// it back, and redrive/discard read it to know which dead letters are
// resolved and which were edited.

#include "dlq/dead_letter.hpp"

#include <caas/core/result.hpp>
#include <caas/events/schema_registry.hpp>
#include <caas/kafka/record.hpp>

#include <optional>
#include <string>
#include <vector>

namespace caas::ctl {

inline constexpr std::string_view kAuditTopic = "caas.ops.audit.v1";
inline constexpr std::string_view kAuditType = "ops.action-recorded";

struct AuditedRecord {
  RecordRef dlq;
  std::string key;
  std::string original_topic;
  std::int32_t original_partition = -1;
  std::int64_t original_offset = -1;
  std::string event_id;
};
AuditedRecord audited(const DeadLetter& d);

struct AuditAction {
  std::string action;   // redrive-planned | redrive | edit | discard | reconcile | verify-replay
  std::string outcome;  // planned | started | completed | partial | refused | failed
  std::string actor;
  std::string reason;
  std::string at;  // RFC 3339
  std::string service;
  std::string plan_id;
  std::optional<std::int64_t> sent, skipped, failed;
  std::vector<AuditedRecord> records;
  std::string data_before, data_after, report;  // JSON objects, may be empty
  // Where the event itself is (when read back).
  std::string event_id;
  std::string subject;
};

/// The event's `data` (compact JSON).
std::string audit_data(const AuditAction& a);
/// The record for caas.ops.audit.v1, validated against its schema.
Result<kafka::Record> audit_record(const AuditAction& a, std::string_view subject,
                                   const events::SchemaRegistry& schemas);
/// nullopt for a record that is not an ops.action-recorded event.
std::optional<AuditAction> parse_audit(std::string_view value);
/// Folds one action into what is resolved and edited.
void fold(AuditState& state, const AuditAction& a);

/// "alice@host" from $CAAS_OPERATOR, else $USER@hostname.
std::string default_actor();

}  // namespace caas::ctl
