#pragma once
// A channel's client: one attempt to hand one rendered notification to the
// partner that delivers it (SMTP server, push gateway, API IoT). Every
// attempt is bounded by the sender's timeout; the answer is classified so the
// retry rules (domain/delivery.hpp) can decide. Thread-safe: a channel's
// workers share one sender.

#include "domain/catalogue.hpp"
#include "domain/delivery.hpp"
#include "domain/templates.hpp"

#include <string>

namespace caas::notification {

struct OutgoingMessage {
  std::string notification_id;  // idempotency key / Message-ID
  std::string customer_id;
  std::string recipient;  // e-mail address, customer id (push) or VIN (vehicle display)
  Language language = Language::es;
  std::string type;
  std::string order_id;
  std::string activation_id;
  std::string correlation_id;
  RenderedMessage content;
};

class Sender {
 public:
  virtual ~Sender() = default;
  virtual SendResult send(const OutgoingMessage& message) = 0;
};

}  // namespace caas::notification
