#pragma once
// What the notification service tells customers, and through which channels
// (seed 000 "Status Notification Requirements", seed 004 "Notification
// Channels"). Pure data and functions: no Kafka, no sockets, no clock.

#include <caas/core/result.hpp>
#include <caas/events/envelope.hpp>

#include <rapidjson/document.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::notification {

enum class Channel { email, push, vehicle_display };
inline constexpr std::array kAllChannels{Channel::email, Channel::push, Channel::vehicle_display};
std::string_view to_string(Channel c) noexcept;
std::optional<Channel> parse_channel(std::string_view s) noexcept;

enum class Language { es, en };
inline constexpr std::array kAllLanguages{Language::es, Language::en};
std::string_view to_string(Language l) noexcept;
std::optional<Language> parse_language(std::string_view s) noexcept;

/// One kind of notification: its channels and the variables its templates
/// may use (every one is guaranteed by trigger_for, so a template using
/// anything else is an error found by the template test, not a blank).
struct NotificationKind {
  std::string_view type;
  std::vector<Channel> channels;
  std::vector<std::string_view> variables;
};

/// Every kind, in the order a customer meets them.
const std::vector<NotificationKind>& catalogue();
const NotificationKind* find_kind(std::string_view type) noexcept;

using Variables = std::map<std::string, std::string>;

/// What one source event asks the customer to be told.
struct Trigger {
  const NotificationKind* kind = nullptr;
  std::string customer_id;
  std::string order_id;       // order events
  std::string activation_id;  // OTA outcomes
  Variables variables;
};

/// The notification a source event triggers, nullopt when it is not news to
/// the customer. An error when the event should trigger one but lacks data
/// its templates need (a contract break: dead-lettered, not sent blank).
Result<std::optional<Trigger>> trigger_for(const events::Envelope& event, const rapidjson::Value& data);

}  // namespace caas::notification
