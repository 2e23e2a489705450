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
}  // namespace dlq_headers

/// "caas.dlq.<service>.v1"
std::string dlq_topic(std::string_view service);

struct DlqInfo {
  ErrorClass error_class = ErrorClass::permanent;
  std::string error_message{};
  int attempts = 1;
  std::chrono::system_clock::time_point first_failed_at{};
  bool parked = false;
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
