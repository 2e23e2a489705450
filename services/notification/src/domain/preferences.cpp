#include "domain/preferences.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/smtp/message.hpp>

#include <algorithm>

namespace caas::notification {

namespace json = caas::events::json;

bool ChannelChoices::enabled(Channel c) const {
  switch (c) {
    case Channel::email:
      return email;
    case Channel::push:
      return push;
    case Channel::vehicle_display:
      return vehicle_display;
  }
  return false;
}

bool is_valid_email(std::string_view address) {
  return smtp::is_valid_address(address);
}

std::variant<CustomerProfile, InvalidField> parse_preferences_request(std::string_view body,
                                                                      const std::string& customer_id) {
  auto doc = events::parse_strict_json(body);
  if (!doc) return InvalidField{"", "the body is not valid JSON: " + doc.error().message};
  if (!doc->IsObject()) return InvalidField{"", "the body must be a JSON object"};
  CustomerProfile p;
  p.customer_id = customer_id;
  for (const auto& m : doc->GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name != "email" && name != "language" && name != "channels") {
      return InvalidField{std::string(name), "unknown field (allowed: email, language, channels)"};
    }
  }
  if (const auto* email = json::member(*doc, "email")) {
    if (!email->IsString() || !is_valid_email({email->GetString(), email->GetStringLength()})) {
      return InvalidField{"email", "must be an e-mail address such as name@example.com"};
    }
    p.email.assign(email->GetString(), email->GetStringLength());
  }
  const auto* language = json::member(*doc, "language");
  if (!language || !language->IsString()) return InvalidField{"language", "required: \"es\" or \"en\""};
  auto parsed = parse_language({language->GetString(), language->GetStringLength()});
  if (!parsed) return InvalidField{"language", "must be \"es\" or \"en\""};
  p.language = *parsed;
  if (const auto* channels = json::member(*doc, "channels")) {
    if (!channels->IsObject()) return InvalidField{"channels", "must be an object of booleans"};
    for (const auto& m : channels->GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      auto channel = parse_channel(name);
      if (!channel) {
        return InvalidField{"channels." + std::string(name), "unknown channel (email, push, vehicle_display)"};
      }
      if (!m.value.IsBool()) return InvalidField{"channels." + std::string(name), "must be true or false"};
      const bool on = m.value.GetBool();
      (*channel == Channel::email  ? p.channels.email
       : *channel == Channel::push ? p.channels.push
                                   : p.channels.vehicle_display) = on;
    }
  }
  if (p.channels.email && p.email.empty()) {
    return InvalidField{"email", "required while the email channel is on"};
  }
  return p;
}

std::string profile_json(const CustomerProfile& p) {
  json::Writer w;
  w.begin_object().field("customer_id", p.customer_id).field_if("email", p.email);
  w.field("language", to_string(p.language));
  w.key("channels").begin_object();
  w.field("email", p.channels.email)
      .field("push", p.channels.push)
      .field("vehicle_display", p.channels.vehicle_display);
  w.end_object();
  w.key("updated_by")
      .begin_object()
      .field("role", p.updated_by_role)
      .field("subject", p.updated_by_subject)
      .end_object();
  w.field("updated_at", p.updated_at).end_object();
  return w.str();
}

std::optional<CustomerProfile> profile_from_json(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  CustomerProfile p;
  p.customer_id = json::str(*doc, "customer_id");
  p.email = json::str(*doc, "email");
  auto language = parse_language(json::str(*doc, "language"));
  if (p.customer_id.empty() || !language) return std::nullopt;
  p.language = *language;
  if (const auto* c = json::member(*doc, "channels")) {
    p.channels.email = json::boolean(*c, "email", true);
    p.channels.push = json::boolean(*c, "push", true);
    p.channels.vehicle_display = json::boolean(*c, "vehicle_display", true);
  }
  if (const auto* by = json::member(*doc, "updated_by")) {
    p.updated_by_role = json::str(*by, "role");
    p.updated_by_subject = json::str(*by, "subject");
  }
  p.updated_at = json::str(*doc, "updated_at");
  return p;
}

std::vector<Channel> channels_for(const NotificationKind& kind, const std::optional<CustomerProfile>& profile,
                                  const std::vector<Channel>& configured) {
  std::vector<Channel> out;
  for (auto c : kind.channels) {
    if (std::find(configured.begin(), configured.end(), c) == configured.end()) continue;
    if (profile && !profile->channels.enabled(c)) continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace caas::notification
