// The Factory Order API of seed 000: POST /api/v1/orders and
// GET /api/v1/orders/{id}/status, with the injected faults. Handlers run on
// an I/O thread and only touch memory; delayed or held answers go through
// the ResponseScheduler.
#include "app/simulator.hpp"

#include "domain/placement.hpp"
#include "domain/views.hpp"

#include <caas/events/json.hpp>
#include <caas/sim/api_auth.hpp>

#include <algorithm>
#include <cctype>

namespace caas::factory_sim {

namespace {

constexpr const char* kOrdersPath = "/api/v1/orders";
constexpr const char* kStatusPath = "/api/v1/orders/{id}/status";

http::Response api_response(const ApiError& e) {
  auto r = http::Response::json(e.status, e.to_json());
  if (e.status == 401) r.headers.set("WWW-Authenticate", "Bearer");
  if (e.status == 429 || e.status == 503) r.headers.set("Retry-After", "1");
  return r;
}

enum class Access { read, write };

/// 401 without a valid Bearer token; 403 for a read-only token asking to write.
std::optional<ApiError> check_token(const http::Request& request, const SimulatorConfig& config, Access access) {
  const auto token = sim::bearer_token(request.header("Authorization"));
  if (!token) return ApiError{401, "UNAUTHORIZED", "Missing bearer token", ""};
  if (sim::token_listed(config.api_tokens, *token)) return std::nullopt;
  if (sim::token_listed(config.read_only_tokens, *token)) {
    if (access == Access::read) return std::nullopt;
    return ApiError{403, "FORBIDDEN", "This API token may not place orders", ""};
  }
  return ApiError{401, "UNAUTHORIZED", "Invalid API token", ""};
}

std::string outcome_of(Injected kind) {
  switch (kind) {
    case Injected::auth:
      return "injected_auth";
    case Injected::error:
      return "injected_error";
    case Injected::timeout:
      return "injected_timeout";
    case Injected::none:
      break;
  }
  return "ok";
}

}  // namespace

void FactorySimulator::add_factory_routes(http::Router& router) {
  router.add("POST", kOrdersPath, [this](http::Request&& request, http::Responder respond) {
    place_order(std::move(request), std::move(respond));
  });
  router.add("GET", kStatusPath, [this](http::Request&& request, http::Responder respond) {
    query_status(std::move(request), std::move(respond));
  });
}

void FactorySimulator::answer(const EndpointDecision& decision, http::Responder respond, http::Response response) {
  if (decision.kind == Injected::timeout) {
    // The work is done but the answer never comes in time: exactly the case
    // an Idempotency-Key exists for.
    server_.scheduler().respond_after(config_.hold, std::move(respond), api_response(injected_error(504)));
  } else if (decision.latency.count() > 0) {
    server_.scheduler().respond_after(decision.latency, std::move(respond), std::move(response));
  } else {
    respond(std::move(response));
  }
}

void FactorySimulator::place_order(http::Request&& request, http::Responder respond) {
  const auto started = std::chrono::steady_clock::now();
  const std::string key(request.header("Idempotency-Key").value_or(""));
  if (auto denied = check_token(request, config_, Access::write)) {
    {
      std::lock_guard lock(state_.mutex);
      state_.count_placement(denied->status == 401 ? "unauthorized" : "forbidden");
    }
    respond(api_response(*denied));
    return;
  }
  EndpointDecision decision;
  {
    std::lock_guard lock(state_.mutex);
    state_.book.count_request(key);
    decision = decide_endpoint(state_.faults.placement, state_.rng);
  }
  std::string outcome = outcome_of(decision.kind);
  http::Response response;
  if (decision.kind == Injected::auth || decision.kind == Injected::error) {
    response = api_response(injected_error(decision.status));
    std::lock_guard lock(state_.mutex);
    state_.count_placement(outcome);
  } else {
    std::string result;
    response = process_placement(request, key, result);
    if (decision.kind == Injected::none) outcome = result;
    std::lock_guard lock(state_.mutex);
    state_.count_placement(outcome);
  }
  log_.info(
      "placement request",
      {{"operation", "order_placement"},
       {"correlation_id", request.request_id},
       {"idempotency_key", key},
       {"status", static_cast<std::int64_t>(response.status)},
       {"outcome", outcome},
       {"latency_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count()}});
  answer(decision, std::move(respond), std::move(response));
}

http::Response FactorySimulator::process_placement(const http::Request& request, const std::string& key,
                                                   std::string& outcome) {
  if (request.header("Idempotency-Key") && !valid_idempotency_key(key)) {
    outcome = "invalid";
    return api_response(invalid_request("Idempotency-Key", "Idempotency-Key must be 1..255 visible ASCII characters"));
  }
  if (!sim::is_json_content_type(request.header("Content-Type"))) {
    outcome = "unsupported_media_type";
    return api_response({415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", ""});
  }
  auto doc = events::parse_strict_json(request.body, events::StrictJsonLimits{16, config_.max_body_bytes, 4096, 10000});
  if (!doc) {
    outcome = "invalid";
    return api_response(invalid_request("", "Malformed JSON: " + doc.error().message));
  }
  const std::string fingerprint = request_fingerprint(*doc);
  bool queued = false;
  http::Response response;
  {
    std::lock_guard lock(state_.mutex);
    switch (state_.book.check_key(key, fingerprint)) {
      case OrderBook::KeyState::same_body:
        ++state_.stats.duplicate_key_hits;
        outcome = "replayed";
        return http::Response::json(201, placement_response(*state_.book.find_by_key(key)));
      case OrderBook::KeyState::different_body:
        ++state_.stats.key_conflicts;
        outcome = "key_conflict";
        return api_response({409, "IDEMPOTENCY_KEY_REUSED",
                             "Idempotency-Key was already used with a different request body", "Idempotency-Key"});
      case OrderBook::KeyState::unknown:
        break;
    }
    auto validated = validate_placement(*doc, state_.book.catalogue());
    if (auto* error = std::get_if<ApiError>(&validated)) {
      outcome = "invalid";
      return api_response(*error);
    }
    const Order* created = state_.book.create(std::move(std::get<PlacementRequest>(validated)), key, fingerprint,
                                              std::chrono::system_clock::now(), state_.rng);
    if (created == nullptr) {
      outcome = "full";
      return api_response({503, "CAPACITY_EXCEEDED", "The Factory order book is full", ""});
    }
    ++state_.stats.orders_created;
    state_.probe.orders_created.Increment();
    outcome = "created";
    response = http::Response::json(201, placement_response(*created));
    Order* order = state_.book.find_mutable(created->id);
    queued = schedule_webhook(*order, order->current());
    log_.info("order created", {{"order_id", created->id},
                                {"customer_id", created->request.customer_id},
                                {"idempotency_key", key},
                                {"manufacturing_location", created->manufacturing_location}});
  }
  if (queued) sender_->notify();
  return response;
}

void FactorySimulator::query_status(http::Request&& request, http::Responder respond) {
  if (auto denied = check_token(request, config_, Access::read)) {
    {
      std::lock_guard lock(state_.mutex);
      state_.count_status_query("unauthorized");
    }
    respond(api_response(*denied));
    return;
  }
  const std::string id(request.param("id"));
  http::Response response;
  EndpointDecision decision;
  {
    std::lock_guard lock(state_.mutex);
    decision = decide_endpoint(state_.faults.status_query, state_.rng);
    std::string outcome = outcome_of(decision.kind);
    if (decision.kind == Injected::auth || decision.kind == Injected::error) {
      response = api_response(injected_error(decision.status));
    } else if (const Order* order = state_.book.find(id)) {
      response = http::Response::json(200, status_response(*order));
    } else {
      response = api_response({404, "ORDER_NOT_FOUND", "Order not found: " + id, ""});
      if (decision.kind == Injected::none) outcome = "not_found";
    }
    state_.count_status_query(outcome);
  }
  answer(decision, std::move(respond), std::move(response));
}

}  // namespace caas::factory_sim
