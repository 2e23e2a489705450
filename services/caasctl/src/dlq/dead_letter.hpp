#pragma once
// A dead letter as caasctl sees it, whoever wrote it: the platform's own
// (`dlq.*` headers, libs/kafka dlq.hpp), Kafka Connect's
// (`__connect.errors.*`) or Spring Kafka's (`kafka_dlt-*`, partition and
// offset as big-endian binary). Pure decoding and selection; no broker.

#include "cli/args.hpp"

#include <caas/kafka/consumer.hpp>
#include <caas/kafka/record.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace caas::ctl {

enum class DlqFormat { caas, connect, spring, unknown };
std::string_view to_string(DlqFormat f);

struct DeadLetter {
  RecordRef ref;  // where it is: the DLQ topic, partition, offset
  std::int64_t timestamp_ms = -1;
  std::string key;
  std::string value;
  kafka::Headers headers;
  DlqFormat format = DlqFormat::unknown;
  std::string service;  // caas: dlq.service; Connect: the connector; Spring: the consumer group
  std::string original_topic;
  std::int32_t original_partition = -1;
  std::int64_t original_offset = -1;
  std::string error_class;  // caas: permanent|transient-exhausted; others: the exception class
  std::string error_message;
  int attempts = 0;
  std::string first_failed_at;
  bool parked = false;      // followed an earlier dead letter of its key
  bool key_parked = false;  // its service parks keys (dlq.key-parked)
  int redrives = 0;         // caas.redrive.count: times it has been redriven already
  // From the CloudEvents envelope, when the value is one.
  bool envelope = false;
  std::string event_id, event_type, event_time, correlation_id, data;
};

DeadLetter decode_dead_letter(const kafka::ConsumedRecord& record, std::int64_t timestamp_ms);
/// caas.dlq.*, and the usual names of other teams' DLQs (*.DLT, *-dlt, *.dlq, dlq-*).
bool is_dlq_topic(std::string_view topic);

/// What the audit log says about one dead letter.
struct Resolution {
  std::string action;  // "redrive" | "discard"
  std::string plan_id;
  std::string at;
};
struct Edit {
  std::string data_after;  // compact JSON object
  std::string at;
  std::string actor;
};
struct AuditState {
  std::map<RecordRef, Resolution> resolved;
  std::map<RecordRef, Edit> edits;  // the latest edit of each
};

struct DlqFilter {
  std::optional<std::string> service, key, error_class, error_text, original_topic, type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<TimePoint> since, until;
  std::vector<RecordRef> refs;
  bool parked_only = false;
  bool include_resolved = false;
  bool matches(const DeadLetter& d, const AuditState& audit) const;
};

/// A parked key: (service, original topic, key) with pending dead letters.
struct ParkedKey {
  std::string service, original_topic, key;
  std::vector<const DeadLetter*> chain;  // pending, in the order the service met them
};
/// Pending dead letters grouped per key of services that park keys.
std::vector<ParkedKey> parked_keys(const std::vector<DeadLetter>& all, const AuditState& audit);

/// The key's pending chain of `d` (itself only when its service does not park).
std::vector<const DeadLetter*> chain_of(const DeadLetter& d, const std::vector<DeadLetter>& all,
                                        const AuditState& audit);

}  // namespace caas::ctl
