#include "channels/email_sender.hpp"

#include <charconv>
#include <system_error>

namespace caas::notification {

Result<std::pair<std::string, std::uint16_t>> parse_smtp_url(std::string_view url) {
  constexpr std::string_view kScheme = "smtp://";
  auto bad = [&](std::string why) {
    return Error{std::make_error_code(std::errc::invalid_argument), "'" + std::string(url) + "': " + why};
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("must start with smtp://");
  auto rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return bad("no host");
  std::uint16_t port = 25;
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    auto digits = rest.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
      return bad("bad port");
    }
    port = static_cast<std::uint16_t>(value);
    rest = rest.substr(0, colon);
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) return bad("bad host");
  return std::pair{std::string(rest), port};
}

EmailSender::EmailSender(EmailSettings settings) : settings_(std::move(settings)) {
  smtp::ClientOptions o;
  o.host = settings_.host;
  o.port = settings_.port;
  o.connect_timeout = settings_.connect_timeout;
  o.command_timeout = settings_.timeout;
  o.max_connections = settings_.connections;
  o.max_idle_connections = settings_.connections;
  client_ = std::make_unique<smtp::SmtpClient>(o);
}

smtp::Mail EmailSender::mail_of(const OutgoingMessage& m) const {
  smtp::Mail mail;
  mail.from = settings_.from_address;
  mail.from_name = settings_.from_name;
  mail.to = m.recipient;
  mail.subject = m.content.subject;
  mail.text_body = m.content.body;
  mail.message_id = m.notification_id + "@" + settings_.message_id_domain;
  mail.extra_headers = {{"Content-Language", std::string(to_string(m.language))}, {"X-CaaS-Notification-Type", m.type}};
  if (!m.order_id.empty()) mail.extra_headers.emplace_back("X-CaaS-Order-Id", m.order_id);
  if (!m.activation_id.empty()) mail.extra_headers.emplace_back("X-CaaS-Activation-Id", m.activation_id);
  return mail;
}

SendResult EmailSender::send(const OutgoingMessage& m) {
  auto result = client_->send(mail_of(m), settings_.timeout);
  if (result) {
    return SendResult::accepted(std::to_string(result->reply.code) + " " + result->reply.text.substr(0, 400));
  }
  const auto& e = result.error();
  std::string code = "smtp_" + std::to_string(e.reply_code);
  if (e.reply_code == 0) {
    switch (e.kind) {
      case smtp::SendErrc::timeout:
        code = "smtp_timeout";
        break;
      case smtp::SendErrc::connect_failed:
        code = "smtp_connect_failed";
        break;
      case smtp::SendErrc::connection_closed:
        code = "smtp_connection_closed";
        break;
      case smtp::SendErrc::invalid_message:
        code = "smtp_invalid_message";
        break;
      default:
        code = "smtp_protocol_error";
        break;
    }
  }
  std::string message = e.to_error().message;  // says "outcome unknown" when the body was sent
  return smtp::is_permanent(e) ? SendResult::permanent(std::move(code), std::move(message))
                               : SendResult::transient(std::move(code), std::move(message));
}

}  // namespace caas::notification
