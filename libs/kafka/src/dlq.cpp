#include <caas/core/time.hpp>
#include <caas/kafka/dlq.hpp>

#include <ctime>
#include <utility>

namespace caas::kafka {

std::string_view to_string(ErrorClass c) noexcept {
  switch (c) {
    case ErrorClass::permanent:
      return "permanent";
    case ErrorClass::transient_exhausted:
      return "transient-exhausted";
  }
  return "permanent";
}

std::string dlq_topic(std::string_view service) {
  return "caas.dlq." + std::string(service) + ".v1";
}

Record make_dlq_record(std::string_view service, const ConsumedRecordView& original, const DlqInfo& info) {
  Record r;
  r.topic = dlq_topic(service);
  r.key = std::string(original.key);
  r.value = std::string(original.value);
  r.headers.reserve(original.headers.size() + 9);
  for (const auto& h : original.headers) {
    if (h.key.starts_with("dlq.")) continue;  // replaced below: each dlq.* exactly once
    r.headers.push_back(h);
  }
  auto add = [&r](std::string_view k, std::string v) { r.headers.push_back({std::string(k), std::move(v)}); };
  add(dlq_headers::kOriginalTopic, std::string(original.topic));
  add(dlq_headers::kOriginalPartition, std::to_string(original.partition));
  add(dlq_headers::kOriginalOffset, std::to_string(original.offset));
  add(dlq_headers::kErrorClass, std::string(to_string(info.error_class)));
  add(dlq_headers::kErrorMessage, info.error_message);
  add(dlq_headers::kService, std::string(service));
  add(dlq_headers::kAttempts, std::to_string(info.attempts));
  add(dlq_headers::kFirstFailedAt, caas::format_rfc3339(info.first_failed_at));
  if (info.parked) add(dlq_headers::kParked, "true");
  if (info.key_parked) add(dlq_headers::kKeyParked, "true");
  return r;
}

DlqPublisher::DlqPublisher(RecordSink& sink, std::string service)
    : sink_(sink), service_(std::move(service)), topic_(dlq_topic(service_)) {}

SendStatus DlqPublisher::publish(const ConsumedRecordView& original, ErrorClass error_class, std::string error_message,
                                 int attempts, std::chrono::system_clock::time_point first_failed_at, bool parked,
                                 DeliveryCallback on_delivery) {
  DlqInfo info{error_class, std::move(error_message), attempts, first_failed_at, parked};
  return sink_.send(make_dlq_record(service_, original, info), std::move(on_delivery));
}

}  // namespace caas::kafka
