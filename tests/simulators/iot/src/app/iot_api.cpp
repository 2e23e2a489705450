// The API IoT of DESIGN.md §2: configuration commands, status queries and
// display messages, each behind the Bearer token, the rate limit and the
// injected API faults. Handlers run on an I/O thread and only touch memory;
// delayed or held answers go through the ResponseScheduler.
#include "app/simulator.hpp"

#include "domain/views.hpp"

#include <caas/events/json.hpp>
#include <caas/sim/api_auth.hpp>

#include <algorithm>

namespace caas::iot_sim {

namespace {

constexpr const char* kConfigurationPath = "/api/v1/vehicles/{vin}/configuration";
constexpr const char* kStatusPath = "/api/v1/vehicles/{vin}/status";
constexpr const char* kDisplayPath = "/api/v1/vehicles/{vin}/display-messages";

http::Response unauthorized(std::string message) {
  auto r = http::error_response(401, "unauthorized", message);
  r.headers.set("WWW-Authenticate", "Bearer");
  return r;
}

http::Response injected(int status) {
  switch (status) {
    case 429:
      return http::error_response(429, "rate_limited", "Too many requests");
    case 500:
      return http::error_response(500, "internal_error", "API IoT internal error");
    case 502:
      return http::error_response(502, "bad_gateway", "IoT network gateway unavailable");
    case 503:
      return http::error_response(503, "unavailable", "API IoT temporarily unavailable");
    case 504:
      return http::error_response(504, "gateway_timeout", "The IoT network did not answer in time");
    default:
      return http::error_response(status, status < 500 ? "client_error" : "server_error", "Injected error");
  }
}

http::Response vehicle_not_found(std::string_view vin) {
  return http::error_response(404, "vehicle_not_found", "No vehicle with this VIN", {{"vin", std::string(vin)}});
}

/// Content type and strict JSON of an API body; nullopt + `error` when refused.
std::optional<rapidjson::Document> read_body(const http::Request& request, std::size_t max_bytes,
                                             http::Response& error) {
  if (!sim::is_json_content_type(request.header("Content-Type"))) {
    error = http::error_response(415, "unsupported_media_type", "Content-Type must be application/json");
    return std::nullopt;
  }
  auto doc = events::parse_strict_json(request.body, events::StrictJsonLimits{8, max_bytes, 4096, 10000});
  if (!doc) {
    error = http::error_response(400, "invalid_json", "Malformed JSON: " + doc.error().message);
    return std::nullopt;
  }
  return std::move(*doc);
}

http::Response invalid(const FieldError& e) {
  return http::error_response(400, "invalid_request", e.message, {{"field", e.field}});
}

/// The body of a request for `vin`, parsed by `parse` (a variant of T or
/// FieldError). nullopt, with the answer and the outcome set, when the VIN is
/// unknown or the body refused.
template <class T, class Parse>
std::optional<T> vehicle_request(bool known_vin, const http::Request& request, std::size_t max_bytes, Parse parse,
                                 http::Response& response, std::string& outcome) {
  if (!known_vin) {
    response = vehicle_not_found(request.param("vin"));
    outcome = "not_found";
    return std::nullopt;
  }
  if (auto doc = read_body(request, max_bytes, response)) {
    auto parsed = parse(*doc);
    if (auto* t = std::get_if<T>(&parsed)) return std::move(*t);
    response = invalid(std::get<FieldError>(parsed));
  }
  outcome = "invalid";
  return std::nullopt;
}

}  // namespace

void IotSimulator::add_api_routes(http::Router& router) {
  router.add("POST", kConfigurationPath, [this](http::Request&& request, http::Responder respond) {
    configure(std::move(request), std::move(respond));
  });
  router.add("GET", kStatusPath, [this](http::Request&& request, http::Responder respond) {
    query_status(std::move(request), std::move(respond));
  });
  router.add("POST", kDisplayPath, [this](http::Request&& request, http::Responder respond) {
    display_message(std::move(request), std::move(respond));
  });
}

void IotSimulator::answer(std::chrono::milliseconds latency, http::Responder respond, http::Response response) {
  if (latency.count() > 0) {
    server_.scheduler().respond_after(latency, std::move(respond), std::move(response));
  } else {
    respond(std::move(response));
  }
}

bool IotSimulator::admit(const http::Request& request, const std::string& route, http::Responder& respond,
                         std::chrono::milliseconds& latency) {
  const auto token = sim::bearer_token(request.header("Authorization"));
  if (!token || !sim::token_listed(config_.api_tokens, *token)) {
    {
      std::lock_guard lock(state_.mutex);
      state_.count_request(route, "unauthorized");
    }
    respond(unauthorized(token ? "Invalid API token" : "Missing bearer token"));
    return false;
  }
  ApiDecision decision;
  std::optional<std::chrono::milliseconds> wait;
  {
    std::lock_guard lock(state_.mutex);
    const auto& api = state_.faults.api;
    wait = state_.bucket.take(api.rate_limit_rps, api.rate_limit_burst, std::chrono::steady_clock::now());
    if (wait) {
      state_.count_request(route, "rate_limited");
    } else {
      decision = decide_api(state_.faults.api, state_.rng);
      if (decision.kind == Injected::timeout) state_.count_request(route, "injected_timeout");
      if (decision.kind == Injected::error) state_.count_request(route, "injected_error");
    }
  }
  latency = decision.latency;
  if (wait) {
    auto r = http::error_response(429, "rate_limited", "API IoT rate limit exceeded");
    const auto seconds = std::max<std::int64_t>(1, (wait->count() + 999) / 1000);
    r.headers.set("Retry-After", std::to_string(seconds));
    respond(std::move(r));
    return false;
  }
  if (decision.kind == Injected::timeout) {
    // The request never reached the vehicle and the answer comes only after
    // the client gave up: a network interruption during transmission.
    server_.scheduler().respond_after(config_.hold, std::move(respond), injected(504));
    return false;
  }
  if (decision.kind == Injected::error) {
    answer(latency, std::move(respond), injected(decision.status));
    return false;
  }
  return true;
}

bool IotSimulator::known_vehicle(std::string_view vin) {
  std::lock_guard lock(state_.mutex);
  return state_.network.find(vin) != nullptr;
}

void IotSimulator::configure(http::Request&& request, http::Responder respond) {
  std::chrono::milliseconds latency{0};
  if (!admit(request, "configuration", respond, latency)) return;
  const std::string vin(request.param("vin"));
  http::Response response;
  std::string outcome;
  bool queued = false;
  auto parsed = vehicle_request<ConfigurationRequest>(known_vehicle(vin), request, config_.max_body_bytes,
                                                      parse_configuration, response, outcome);
  if (parsed) {
    std::lock_guard lock(state_.mutex);
    std::vector<Ack> acks;
    const std::string command_id = parsed->command_id;
    auto [admission, command] =
        state_.network.submit(vin, std::move(*parsed), std::chrono::system_clock::now(),
                              std::chrono::steady_clock::now(), state_.faults, state_.rng, acks);
    switch (admission) {
      case Admission::created:
        outcome = "accepted";
        ++state_.stats.commands.received;
        if (command->phase == CommandPhase::held) ++state_.stats.commands.held;
        if (command->acks_lost) ++state_.stats.commands.acks_lost;
        response = http::Response::json(202, command_accepted_json(*command, false));
        break;
      case Admission::repeated:
        outcome = "repeated";
        ++state_.stats.commands.repeated_requests;
        response = http::Response::json(202, command_accepted_json(*command, true));
        break;
      case Admission::conflict:
        outcome = "conflict";
        response =
            http::error_response(409, "command_id_reused", "This command_id was already sent with other parameters",
                                 {{"command_id", command_id}});
        break;
      case Admission::full:
        outcome = "full";
        response = http::error_response(503, "capacity_exceeded", "The API IoT command store is full");
        break;
    }
    queued = queue_acks(acks);
    log_.info("configuration command", {{"vin", vin},
                                        {"command_id", command_id},
                                        {"correlation_id", request.request_id},
                                        {"outcome", outcome},
                                        {"state", command ? std::string(to_string(command->phase)) : ""}});
  }
  {
    std::lock_guard lock(state_.mutex);
    state_.count_request("configuration", outcome);
  }
  if (queued || outcome == "accepted") wake();
  answer(latency, std::move(respond), std::move(response));
}

void IotSimulator::query_status(http::Request&& request, http::Responder respond) {
  std::chrono::milliseconds latency{0};
  if (!admit(request, "status", respond, latency)) return;
  const std::string vin(request.param("vin"));
  http::Response response;
  {
    std::lock_guard lock(state_.mutex);
    if (const Vehicle* v = state_.network.find(vin)) {
      response = http::Response::json(
          200, status_json(*v, state_.network.pending_commands(vin), std::chrono::system_clock::now()));
      state_.count_request("status", "ok");
    } else {
      response = vehicle_not_found(vin);
      state_.count_request("status", "not_found");
    }
  }
  answer(latency, std::move(respond), std::move(response));
}

void IotSimulator::display_message(http::Request&& request, http::Responder respond) {
  std::chrono::milliseconds latency{0};
  if (!admit(request, "display_message", respond, latency)) return;
  const std::string vin(request.param("vin"));
  http::Response response;
  std::string outcome;
  auto parsed = vehicle_request<DisplayMessageRequest>(known_vehicle(vin), request, config_.max_body_bytes,
                                                       parse_display_message, response, outcome);
  {
    std::lock_guard lock(state_.mutex);
    if (parsed) {
      const std::string message_id = parsed->message_id;
      switch (state_.network.post_message(vin, std::move(*parsed), std::chrono::system_clock::now())) {
        case Admission::created:
          outcome = "accepted";
          response = http::Response::json(202, message_accepted_json(vin, message_id, false));
          break;
        case Admission::repeated:
          outcome = "repeated";
          response = http::Response::json(202, message_accepted_json(vin, message_id, true));
          break;
        case Admission::conflict:
          outcome = "conflict";
          response =
              http::error_response(409, "message_id_reused", "This message_id was already sent with another message",
                                   {{"message_id", message_id}});
          break;
        case Admission::full:
          outcome = "full";
          response = http::error_response(503, "capacity_exceeded", "The API IoT message store is full");
          break;
      }
    }
    state_.count_request("display_message", outcome);
  }
  answer(latency, std::move(respond), std::move(response));
}

}  // namespace caas::iot_sim
