#pragma once
// E-mail over SMTP (caas::smtp, our client on Asio) to the configured relay
// (CAAS_SMTP_URL). The Message-ID is derived from the notification id, so
// the rare message an SMTP server accepted without our hearing it (a timeout
// after the body) and that is sent again carries the same Message-ID, which
// mail clients and MTAs treat as one message.

#include "channels/sender.hpp"

#include <caas/core/result.hpp>
#include <caas/smtp/client.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace caas::notification {

struct EmailSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 25;
  std::string from_address = "notificaciones@caas.example";
  std::string from_name = "CaaS";
  std::string message_id_domain = "notification.caas.example";
  std::chrono::milliseconds timeout{10000};  // whole transaction
  std::chrono::milliseconds connect_timeout{2000};
  std::size_t connections = 16;
};

/// Parses "smtp://host[:port]" (port 25 by default).
Result<std::pair<std::string, std::uint16_t>> parse_smtp_url(std::string_view url);

class EmailSender final : public Sender {
 public:
  explicit EmailSender(EmailSettings settings);
  SendResult send(const OutgoingMessage& message) override;
  /// The mail for a message (pure; exposed for tests).
  smtp::Mail mail_of(const OutgoingMessage& message) const;

 private:
  EmailSettings settings_;
  std::unique_ptr<smtp::SmtpClient> client_;
};

}  // namespace caas::notification
