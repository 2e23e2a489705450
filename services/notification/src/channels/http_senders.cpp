#include "channels/http_senders.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/resilience/retry.hpp>

#include <algorithm>
#include <cctype>

namespace caas::notification {

namespace json = caas::events::json;

namespace {

http::ClientOptions client_options(const HttpSenderSettings& s) {
  http::ClientOptions o;
  o.connect_timeout = s.connect_timeout;
  o.request_timeout = s.timeout;
  o.max_idle_per_host = s.connections;
  o.user_agent = "caas-notification";
  o.max_response_body_bytes = 64 << 10;
  return o;
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

http::ClientRequest json_post(const HttpSenderSettings& s, std::string url, const OutgoingMessage& m,
                              std::string body) {
  http::ClientRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.headers.set("Content-Type", "application/json");
  r.headers.set("Authorization", "Bearer " + s.token);
  r.headers.set("Idempotency-Key", m.notification_id);
  if (!m.correlation_id.empty() && http::valid_request_id(m.correlation_id)) {
    r.headers.set("X-Request-Id", m.correlation_id);
  }
  r.body = std::move(body);
  return r;
}

}  // namespace

SendResult classify_http_answer(const Result<http::Response>& answer, std::string_view reference_field) {
  if (!answer) {
    const auto& e = answer.error();
    const bool timed_out = e.code == http::ClientErrc::timeout;
    return SendResult::transient(timed_out ? "timeout" : "transport_" + std::to_string(e.code.value()), e.message);
  }
  const auto& r = *answer;
  if (r.status >= 200 && r.status < 300) {
    std::string reference;
    if (auto doc = events::parse_strict_json(r.body); doc && doc->IsObject()) {
      reference = json::str(*doc, std::string(reference_field).c_str());
    }
    return SendResult::accepted(reference.empty() ? "http_" + std::to_string(r.status) : reference);
  }
  std::string detail = r.body.substr(0, 300);
  auto result = (r.status == 429 || r.status >= 500 || r.status == 401 || r.status == 403 || r.status == 408)
                    ? SendResult::transient("http_" + std::to_string(r.status), detail)
                    : SendResult::permanent("http_" + std::to_string(r.status), detail);
  if (auto ra = r.headers.get("Retry-After")) {
    if (auto d = resilience::parse_retry_after(*ra)) {
      result.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
  }
  return result;
}

PushSender::PushSender(HttpSenderSettings settings)
    : settings_(std::move(settings)), client_(std::make_unique<http::HttpClient>(client_options(settings_))) {
  settings_.base_url = trim_slash(settings_.base_url);
}

std::string PushSender::body_of(const OutgoingMessage& m) {
  json::Writer w;
  w.begin_object().key("recipient").begin_object().field("customer_id", m.recipient).end_object();
  w.key("notification").begin_object().field("title", m.content.subject).field("body", m.content.body).end_object();
  w.field("language", to_string(m.language));
  w.key("data").begin_object().field("type", m.type).field("notification_id", m.notification_id);
  w.field_if("order_id", m.order_id).field_if("activation_id", m.activation_id).end_object();
  w.end_object();
  return w.str();
}

SendResult PushSender::send(const OutgoingMessage& m) {
  auto answer = client_->request(json_post(settings_, settings_.base_url + "/v1/messages", m, body_of(m)));
  return classify_http_answer(answer, "message_id");
}

VehicleDisplaySender::VehicleDisplaySender(HttpSenderSettings settings)
    : settings_(std::move(settings)), client_(std::make_unique<http::HttpClient>(client_options(settings_))) {
  settings_.base_url = trim_slash(settings_.base_url);
}

std::string VehicleDisplaySender::body_of(const OutgoingMessage& m) {
  json::Writer w;
  w.begin_object().field("message_id", m.notification_id).field("text", m.content.body);
  w.field("language", to_string(m.language)).field("display_seconds", 30).end_object();
  return w.str();
}

SendResult VehicleDisplaySender::send(const OutgoingMessage& m) {
  // A VIN is 17 letters and digits: anything else never reaches a URL.
  const bool vin_ok = m.recipient.size() == 17 && std::all_of(m.recipient.begin(), m.recipient.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) != 0;
                      });
  if (!vin_ok) return SendResult::permanent("invalid_vin", "not a VIN: '" + m.recipient.substr(0, 40) + "'");
  const auto url = settings_.base_url + "/api/v1/vehicles/" + m.recipient + "/display-messages";
  auto answer = client_->request(json_post(settings_, url, m, body_of(m)));
  return classify_http_answer(answer, "message_id");
}

}  // namespace caas::notification
