// The gateway API: POST /v1/messages with the injected faults. Handlers run
// on an I/O thread and only touch memory; delayed and held answers go through
// the ResponseScheduler, so a held request never blocks another one.
//
// Order of the checks: fault draw (down, fail_next, hold_next,
// accept_then_hold_next, fail_rate) → Bearer token (401/403) →
// Idempotency-Key (400) → JSON and fields (400) → Idempotency-Key table
// (200 duplicate / 409) → recipient registered (404) → capacity (507) →
// delivered (202).
#include "app/simulator.hpp"

#include "domain/push_request.hpp"
#include "domain/views.hpp"

#include <caas/events/json.hpp>

namespace caas::push_sim {

namespace {

constexpr const char* kMessagesPath = "/v1/messages";

http::Response api_response(const ApiError& e) {
  auto r = http::Response::json(e.status, e.to_json());
  if (e.status == 401) r.headers.set("WWW-Authenticate", "Bearer");
  if (carries_retry_after(e.status)) r.headers.set("Retry-After", "1");
  return r;
}

std::string_view outcome_of(MessageBook::Outcome outcome) {
  switch (outcome) {
    case MessageBook::Outcome::accepted:
      return "accepted";
    case MessageBook::Outcome::duplicate:
      return "duplicate";
    case MessageBook::Outcome::key_reused:
      return "key_reused";
    case MessageBook::Outcome::recipient_not_found:
      return "recipient_not_found";
    case MessageBook::Outcome::full:
      return "full";
  }
  return "unknown";
}

}  // namespace

void PushSimulator::add_push_routes(http::Router& router) {
  router.add("POST", kMessagesPath, [this](http::Request&& request, http::Responder respond) {
    send_message(std::move(request), std::move(respond));
  });
}

void PushSimulator::send_message(http::Request&& request, http::Responder respond) {
  const auto started = std::chrono::steady_clock::now();
  FaultDecision decision;
  {
    std::lock_guard lock(state_.mutex);
    ++state_.stats.requests;
    decision = decide_fault(state_.faults, state_.rng);
  }
  std::string outcome;
  http::Response response;
  switch (decision.kind) {
    case Injected::down:
      outcome = "down";
      response = api_response(injected_error(503));
      break;
    case Injected::fail:
      outcome = "injected_" + std::to_string(decision.status);
      response = api_response(injected_error(decision.status));
      break;
    case Injected::hold:
      // Nothing is delivered and no answer comes in time: the client's
      // timeout, after which a retry must deliver the message.
      outcome = "held";
      response = api_response(injected_error(504));
      break;
    case Injected::none:
    case Injected::accept_then_hold:
      response = process(request, outcome);
      break;
  }
  const bool held = decision.kind == Injected::hold || decision.kind == Injected::accept_then_hold;
  {
    std::lock_guard lock(state_.mutex);
    if (decision.kind != Injected::hold) state_.count_answer(response.status, outcome);
    if (held) state_.count_held();
  }
  log_.info("push request",
            {{"operation", "send_message"},
             {"correlation_id", request.request_id},
             {"idempotency_key", std::string(request.header("Idempotency-Key").value_or(""))},
             {"status", static_cast<std::int64_t>(response.status)},
             {"outcome", outcome},
             {"held", held},
             {"latency_ms", decision.latency.count()},
             {"processing_ms",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count()}});
  if (held) {
    // Answered only after the hold (or at stop): the client has given up by
    // then, or a client with a longer timeout sees 504 (held) or the real
    // answer (accept_then_hold).
    if (!server_.scheduler().respond_after(config_.hold, std::move(respond), std::move(response))) {
      log_.warn("too many parked answers: a held answer was sent at once",
                {{"max_parked", static_cast<std::int64_t>(config_.max_parked)}});
    }
  } else if (decision.latency.count() > 0) {
    server_.scheduler().respond_after(decision.latency, std::move(respond), std::move(response));
  } else {
    respond(std::move(response));
  }
}

http::Response PushSimulator::process(const http::Request& request, std::string& outcome) {
  const auto token = bearer_token(request.header("Authorization"));
  if (!token) {
    outcome = "unauthorized";
    return api_response({401, "UNAUTHORIZED", "Missing or malformed Authorization: Bearer <token>", std::nullopt});
  }
  if (!sim::token_listed(config_.api_tokens, *token)) {
    outcome = "forbidden";
    return api_response({403, "FORBIDDEN", "Unknown API token", std::nullopt});
  }
  const auto key = request.header("Idempotency-Key");
  if (request.headers.count("Idempotency-Key") != 1 || !valid_idempotency_key(*key)) {
    outcome = "invalid";
    return api_response(
        invalid_request("Idempotency-Key", "Idempotency-Key header required once: 1..128 printable ASCII characters"));
  }
  auto doc = events::parse_strict_json(request.body, events::StrictJsonLimits{8, config_.max_body_bytes, 16384, 1000});
  if (!doc) {
    outcome = "invalid";
    return api_response(invalid_request("", "Malformed JSON: " + doc.error().message));
  }
  auto validated = validate_push_request(*doc);
  if (auto* error = std::get_if<ApiError>(&validated)) {
    outcome = "invalid";
    return api_response(*error);
  }
  const std::string key_text(*key);
  MessageBook::Outcome result;
  http::Response response;
  std::string message_id;
  std::string customer_id;
  {
    std::lock_guard lock(state_.mutex);
    const auto submission =
        state_.book.submit(key_text, std::move(std::get<PushRequest>(validated)), std::chrono::system_clock::now());
    result = submission.outcome;
    if (submission.message != nullptr) {
      message_id = submission.message->id;
      customer_id = submission.message->request.customer_id;
      response = http::Response::json(result == MessageBook::Outcome::accepted ? 202 : 200,
                                      accepted_body(*submission.message, result == MessageBook::Outcome::duplicate));
    }
  }
  outcome = outcome_of(result);
  switch (result) {
    case MessageBook::Outcome::accepted:
      log_.info("message delivered",
                {{"message_id", message_id}, {"customer_id", customer_id}, {"idempotency_key", key_text}});
      return response;
    case MessageBook::Outcome::duplicate:
      return response;
    case MessageBook::Outcome::key_reused:
      return api_response({409, "IDEMPOTENCY_KEY_REUSED",
                           "Idempotency-Key was already used with a different request body", std::nullopt});
    case MessageBook::Outcome::recipient_not_found:
      return api_response({404, "RECIPIENT_NOT_FOUND", "The recipient has no registered device", std::nullopt});
    case MessageBook::Outcome::full:
      return api_response(injected_error(507));
  }
  return api_response(injected_error(500));
}

}  // namespace caas::push_sim
