#include "clients/iot_client/iot_client.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <cstdlib>

namespace caas::ota {

namespace json = caas::events::json;

namespace {
http::ClientOptions options(const IotClientSettings& s) {
  http::ClientOptions o;
  o.connect_timeout = std::min(s.timeout, std::chrono::milliseconds(5000));
  o.request_timeout = s.timeout;
  o.user_agent = "caas-ota-engine";
  return o;
}

std::int64_t retry_after_ms(const http::Response& r) {
  auto h = r.headers.get("Retry-After");
  if (!h) return 1000;
  const auto seconds = std::atoll(std::string(*h).c_str());
  return std::max<std::int64_t>(1, seconds) * 1000;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '/')) s.pop_back();
  return s;
}
}  // namespace

IotClient::IotClient(IotClientSettings settings, std::function<void(bool)> on_request)
    : settings_(std::move(settings)), on_request_(std::move(on_request)), client_(options(settings_)) {
  settings_.base_url = trimmed(settings_.base_url);
}

PostResult IotClient::post_configuration(const std::string& vin, const std::string& command_id, const Params& params) {
  json::Writer w;
  w.begin_object().field("command_id", command_id).key("parameters");
  write_params(w, params);
  w.end_object();
  http::ClientRequest req;
  req.method = "POST";
  req.url = settings_.base_url + "/api/v1/vehicles/" + vin + "/configuration";
  req.headers.set("Authorization", "Bearer " + settings_.token);
  req.headers.set("Content-Type", "application/json");
  req.body = w.str();
  PostResult r;
  auto answer = client_.request(req, settings_.timeout);
  if (!answer) {
    on_request_(false);
    r.outcome = "network_error";
    r.error = answer.error().message;
    return r;
  }
  r.http_status = answer->status;
  on_request_(answer->status < 500 && answer->status != 429);
  if (answer->status == 202) {
    auto doc = events::parse_strict_json(answer->body);
    const bool held = doc && doc->IsObject() && json::str(*doc, "status") == "HELD";
    const bool duplicate = doc && doc->IsObject() && json::boolean(*doc, "duplicate");
    r.outcome = held ? "held" : duplicate ? "duplicate" : "accepted";
  } else if (answer->status >= 200 && answer->status < 300) {
    r.outcome = "accepted";
  } else if (answer->status == 429) {
    r.outcome = "rate_limited";
    r.retry_after_ms = retry_after_ms(*answer);
  } else if (answer->status == 404) {
    r.outcome = "not_found";
  } else if (answer->status >= 500) {
    r.outcome = "server_error";
  } else {
    r.outcome = "client_error";
    r.error = answer->body.substr(0, 256);
  }
  return r;
}

StatusAnswer IotClient::status(const std::string& vin) {
  http::ClientRequest req;
  req.method = "GET";
  req.url = settings_.base_url + "/api/v1/vehicles/" + vin + "/status";
  req.headers.set("Authorization", "Bearer " + settings_.token);
  StatusAnswer out;
  auto answer = client_.request(req, settings_.timeout);
  if (!answer) {
    on_request_(false);
    out.snapshot.error = answer.error().message;
    return out;
  }
  out.http_status = answer->status;
  on_request_(answer->status < 500 && answer->status != 429);
  if (answer->status != 200) {
    out.snapshot.error = "status " + std::to_string(answer->status);
    return out;
  }
  auto parsed = parse_status(answer->body);
  if (!parsed) {
    out.snapshot.error = "unreadable status answer";
    return out;
  }
  out.snapshot = std::move(*parsed);
  if (auto doc = events::parse_strict_json(answer->body); doc && doc->IsObject()) {
    out.platform = json::str(*doc, "platform");
  }
  return out;
}

}  // namespace caas::ota
