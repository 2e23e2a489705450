#pragma once
// The data of the events on caas.notification.events.v1 (proto-schemas/
// notification.*.v1.json), and reading them back when a fresh store is
// rebuilt from that log. Pure.

#include "domain/delivery.hpp"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace caas::notification {

inline constexpr std::string_view kEventsTopic = "caas.notification.events.v1";
inline constexpr std::string_view kOrderEventsTopic = "caas.order.events.v1";
inline constexpr std::string_view kOtaEventsTopic = "caas.ota.events.v1";
inline constexpr std::string_view kEventSource = "caas/notification";

struct SentFacts {
  std::string language;
  int attempts = 0;
  std::string provider_reference;
  std::int64_t latency_ms = 0;
  std::string sent_at;
};
std::string sent_data(const PendingDelivery& p, const SentFacts& f);

struct FailedFacts {
  std::string language;  // empty when it failed before rendering
  std::string error_class;
  std::string error_code;
  std::string error_message;
  int attempts = 0;
  std::string failed_at;
};
std::string failed_data(const PendingDelivery& p, const FailedFacts& f);

std::string suppressed_data(const PendingDelivery& p, DeliveryStatus original, const std::string& at);

/// A sent/failed event read back from the log: the history entry it stands
/// for (seq left 0 for the caller to assign).
std::optional<DeliveryRecord> record_from_outcome_event(std::string_view type, const rapidjson::Value& data);

}  // namespace caas::notification
