#pragma once
// The two HTTP channels:
//  * push: the mobile push gateway, POST <url>/v1/messages with an
//    Idempotency-Key (the notification id), so a retry after a timeout is
//    never shown twice;
//  * vehicle display: API IoT, POST <url>/api/v1/vehicles/{vin}/display-messages
//    (our extension of the API IoT contract of DESIGN.md §2; the IoT
//    simulator arrives with the OTA work).

#include "channels/sender.hpp"

#include <caas/http/client.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace caas::notification {

struct HttpSenderSettings {
  std::string base_url;  // CAAS_PUSH_GATEWAY_URL / CAAS_IOT_API_URL
  std::string token;     // bearer token (from the *_TOKEN_FILE)
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds connect_timeout{2000};
  std::size_t connections = 16;
};

/// How an HTTP partner's answer counts (pure; exposed for tests):
/// 2xx accepted; 429 and 5xx transient (Retry-After honoured); 401/403
/// transient too (a credential being rotated must not lose notifications,
/// and the retry budget bounds it); other 4xx permanent.
SendResult classify_http_answer(const Result<http::Response>& answer, std::string_view reference_field);

class PushSender final : public Sender {
 public:
  explicit PushSender(HttpSenderSettings settings);
  SendResult send(const OutgoingMessage& message) override;
  /// The request body (pure; exposed for tests).
  static std::string body_of(const OutgoingMessage& message);

 private:
  HttpSenderSettings settings_;
  std::unique_ptr<http::HttpClient> client_;
};

class VehicleDisplaySender final : public Sender {
 public:
  explicit VehicleDisplaySender(HttpSenderSettings settings);
  SendResult send(const OutgoingMessage& message) override;
  static std::string body_of(const OutgoingMessage& message);

 private:
  HttpSenderSettings settings_;
  std::unique_ptr<http::HttpClient> client_;
};

}  // namespace caas::notification
