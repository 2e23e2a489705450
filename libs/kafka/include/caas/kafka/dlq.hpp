#pragma once
// Dead letters (DESIGN.md §3): the original key and value byte-identical, the
// original headers preserved, plus exactly the dlq.* headers below.

#include <caas/kafka/consumer.hpp>
#include <caas/kafka/record.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace caas::kafka {

enum class ErrorClass {
  permanent,            // "permanent": schema-invalid, illegal transition, ...
  transient_exhausted,  // "transient-exhausted": retries used up
};

std::string_view to_string(ErrorClass c) noexcept;

/// Header names (the contract; operators' tooling searches by them).
namespace dlq_headers {
inline constexpr std::string_view kOriginalTopic = "dlq.original.topic";
inline constexpr std::string_view kOriginalPartition = "dlq.original.partition";
inline constexpr std::string_view kOriginalOffset = "dlq.original.offset";
inline constexpr std::string_view kErrorClass = "dlq.error.class";
inline constexpr std::string_view kErrorMessage = "dlq.error.message";
inline constexpr std::string_view kService = "dlq.service";
inline constexpr std::string_view kAttempts = "dlq.attempts";
inline constexpr std::string_view kFirstFailedAt = "dlq.first-failed-at";
inline constexpr std::string_view kParked = "dlq.parked";  // "true", only when parked
/// "true" on every dead letter of a service that parks keys (the key is
/// parked from this record on until an operator redrives or discards it).
inline constexpr std::string_view kKeyParked = "dlq.key-parked";
}  // namespace dlq_headers

/// Headers of an operator's redrive (caasctl `dlq redrive|discard`), the
/// contract between the CLI and EventProcessor's key parking. A redriven
/// record is a copy of a dead letter sent back to its original topic and
/// partition; only the service named in kRedriveService treats it as new
/// (every other consumer of that topic has handled the original already and
/// skips it). A release marker (kControl = "release") is never handed to a
/// handler: it tells the named service that the operator resolved the key's
/// dead letters, so the key may leave the parked state (see
/// libs/service/README.md, "Parked keys and their release").
namespace redrive_headers {
inline constexpr std::string_view kPlan = "caas.redrive.plan";        // plan id of the redrive
inline constexpr std::string_view kService = "caas.redrive.service";  // the service that dead-lettered it
inline constexpr std::string_view kCount = "caas.redrive.count";      // times this record has been redriven
inline constexpr std::string_view kSource = "caas.redrive.source";    // "<dlq topic>/<partition>/<offset>"
inline constexpr std::string_view kSeq = "caas.redrive.seq";          // position in the plan (resume)
inline constexpr std::string_view kControl = "caas.control";          // "release" on a release marker
/// On a release marker: dead letters of the key resolved without being
/// applied (`dlq discard`); 0 for a redrive, whose records resolve themselves.
inline constexpr std::string_view kResolves = "caas.release.resolves";
inline constexpr std::string_view kControlRelease = "release";
}  // namespace redrive_headers

/// "caas.dlq.<service>.v1"
std::string dlq_topic(std::string_view service);

struct DlqInfo {
  ErrorClass error_class = ErrorClass::permanent;
  std::string error_message{};
  int attempts = 1;
  std::chrono::system_clock::time_point first_failed_at{};
  bool parked = false;
  bool key_parked = false;  // the service parks the key (header dlq.key-parked)
};

/// Pure: builds the dead-letter record for `original`. Original headers named
/// "dlq.*" (a dead letter that was replayed and failed again) are replaced,
/// so every dlq.* header occurs exactly once. Partition left to the
/// partitioner (same key -> same DLQ partition, order kept per key).
Record make_dlq_record(std::string_view service, const ConsumedRecordView& original, const DlqInfo& info);

class DlqPublisher {
 public:
  DlqPublisher(RecordSink& sink, std::string service);

  const std::string& topic() const noexcept { return topic_; }
  const std::string& service() const noexcept { return service_; }

  /// Hands the dead letter to the sink. The caller commits the original
  /// offset only after `on_delivery` reported success.
  SendStatus publish(const ConsumedRecordView& original, ErrorClass error_class, std::string error_message,
                     int attempts, std::chrono::system_clock::time_point first_failed_at, bool parked,
                     DeliveryCallback on_delivery);

 private:
  RecordSink& sink_;
  std::string service_;
  std::string topic_;
};

}  // namespace caas::kafka
