#pragma once
// A customer's contact details, language and channel choices. The service
// owns them (DESIGN.md §2); they reach a fresh store again through its own
// log (notification.preferences-updated).

#include "domain/catalogue.hpp"

#include <caas/core/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace caas::notification {

struct ChannelChoices {
  bool email = true;
  bool push = true;
  bool vehicle_display = true;
  bool enabled(Channel c) const;
};

struct CustomerProfile {
  std::string customer_id;
  std::string email;  // empty: no address yet (e-mails wait for one)
  Language language = Language::es;
  ChannelChoices channels;
  std::string updated_at;
  std::string updated_by_role;
  std::string updated_by_subject;
};

/// A field that failed validation, for the API's 400.
struct InvalidField {
  std::string field;
  std::string message;
};

/// Parses the body of PUT /api/v1/customers/{id}/preferences:
///   {"email":"…","language":"es|en","channels":{"email":true,"push":true,"vehicle_display":false}}
/// `language` is required; `email` may be omitted (push only); omitted
/// channels keep their defaults (all on).
std::variant<CustomerProfile, InvalidField> parse_preferences_request(std::string_view body,
                                                                      const std::string& customer_id);

/// The data of notification.preferences-updated (also the stored form).
std::string profile_json(const CustomerProfile& p);
std::optional<CustomerProfile> profile_from_json(std::string_view json);

/// The channels a notification goes to: the kind's, minus those the
/// customer turned off, minus those not configured here.
std::vector<Channel> channels_for(const NotificationKind& kind, const std::optional<CustomerProfile>& profile,
                                  const std::vector<Channel>& configured);

/// The address the SMTP client will accept (caas::smtp::is_valid_address).
bool is_valid_email(std::string_view address);

}  // namespace caas::notification
