#pragma once
// A redrive (or discard) plan: the exact records caasctl will send, in the
// order it will send them, written as JSON (`--plan-out F`) and executed as
// written (`--execute --plan F`). Per key: the dead letter and the records
// parked behind it, in the order the service met them, each back to its
// original topic and partition with the redrive headers, then a release
// marker (libs/kafka redrive_headers) that lets the service unpark the key
// once every one of them was applied. A discard plan has only the markers.

#include "dlq/audit.hpp"
#include "dlq/dead_letter.hpp"

#include <caas/core/result.hpp>
#include <caas/kafka/record.hpp>

#include <string>
#include <vector>

namespace caas::ctl {

struct PlanStep {
  enum class Kind { record, release };
  int seq = 0;  // 1-based position; sent as caas.redrive.seq
  Kind kind = Kind::record;
  std::string service;
  std::string topic;
  std::int32_t partition = 0;
  std::string key;
  std::string value;
  kafka::Headers headers;  // exactly what is sent
  // record steps
  RecordRef source{};
  std::int64_t original_offset = -1;
  std::string event_id;
  bool edited = false;
  // release steps
  int resolves = 0;
  kafka::Record record() const;
};

struct Plan {
  std::string id;
  std::string action;  // redrive | discard
  std::string created_at;
  std::string actor;
  std::string reason;
  int max_redrives = 3;
  std::vector<PlanStep> steps;
  /// The dead letters the plan resolves (redriven or discarded).
  std::vector<AuditedRecord> covers;
  std::size_t record_steps() const;
  std::size_t release_steps() const;
};

struct PlanRequest {
  std::string id;
  std::string actor;
  std::string reason;
  std::string now;  // RFC 3339
  int max_redrives = 3;
};

/// `chains`: one per key, each already in the order the service met them.
/// Refuses (naming it) a record redriven `max_redrives` times already.
Result<Plan> make_redrive_plan(const std::vector<std::vector<const DeadLetter*>>& chains, const AuditState& audit,
                               const PlanRequest& request);
/// Only release markers: each key's chain is resolved without being applied.
Result<Plan> make_discard_plan(const std::vector<std::vector<const DeadLetter*>>& chains, const PlanRequest& request);

std::string plan_json(const Plan& plan);
Result<Plan> parse_plan(std::string_view json);

/// `value` with its envelope's data replaced by `data` (compact JSON).
Result<std::string> replace_data(std::string_view value, std::string_view data);

}  // namespace caas::ctl
