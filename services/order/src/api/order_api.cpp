#include "api/order_api.hpp"

#include "domain/json_util.hpp"
#include "domain/list_query.hpp"
#include "domain/validation.hpp"
#include "handlers/order_handler.hpp"
#include "store/order_store.hpp"

#include <caas/events/envelope.hpp>
#include <caas/service/event_processor.hpp>

namespace caas::order {

namespace obs = caas::observability;
using http::error_response;
using http::Request;
using http::Response;

// ---- OrderReader -----------------------------------------------------------

std::optional<Order> OrderReader::find(std::string_view id) const {
  auto owned = load_order(owner_, id);
  if (!view_) return owned;
  auto replica = load_order(*view_, id);
  if (!owned) return replica;
  if (!replica) return owned;
  return replica->version > owned->version ? replica : owned;  // a former owner's copy may be stale
}

std::vector<Order> OrderReader::all() const {
  return load_all_orders(view_ ? *view_ : owner_);
}

std::optional<std::string> OrderReader::outcome(const std::string& command_id) const {
  if (auto o = owner_.get(keys::outcome(command_id))) return o;
  if (view_) return view_->get(keys::outcome(command_id));
  return std::nullopt;
}

bool OrderReader::parked(std::string_view order_id) const {
  return owner_.get(service::parked_key(kCommandTopic, order_id)).has_value();
}

// ---- OrderApi --------------------------------------------------------------

/// One API call in flight: what the log line and the answer need.
struct OrderApi::Call {
  Call(http::Responder r, std::string op, std::string rid, std::string oid = {})
      : respond(std::move(r)), operation(std::move(op)), request_id(std::move(rid)), order_id(std::move(oid)) {}
  http::Responder respond;
  std::string operation;
  std::string request_id;
  std::string order_id;
  std::string customer_id;
  std::string command_id;
  int success_status = 200;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

namespace {

std::string_view operation_name(OrderApi::CommandKind k) {
  switch (k) {
    case OrderApi::CommandKind::reservation_payment:
      return "confirm_reservation_payment";
    case OrderApi::CommandKind::final_payment:
      return "confirm_final_payment";
    case OrderApi::CommandKind::registration:
      return "register_vehicle";
    case OrderApi::CommandKind::handover:
      return "handover";
    case OrderApi::CommandKind::cancel:
      return "cancel";
  }
  return "command";
}

std::string_view command_type(OrderApi::CommandKind k) {
  switch (k) {
    case OrderApi::CommandKind::reservation_payment:
      return "order.confirm-reservation-payment";
    case OrderApi::CommandKind::final_payment:
      return "order.confirm-final-payment";
    case OrderApi::CommandKind::registration:
      return "order.register-vehicle";
    case OrderApi::CommandKind::handover:
      return "order.handover";
    case OrderApi::CommandKind::cancel:
      return "order.cancel";
  }
  return "";
}

Response unauthorized(const std::string& message) {
  auto r = error_response(401, "unauthenticated", message);
  r.headers.set("WWW-Authenticate", "Bearer");
  return r;
}

Response forbidden(const std::string& message) {
  return error_response(403, "forbidden", message);
}

Response invalid(const FieldError& e) {
  return error_response(400, "invalid_request", e.message, {{"field", e.field}});
}

std::optional<Response> wrong_content_type(const Request& req) {
  auto ct = req.header("Content-Type");
  if (req.body.empty() && !ct) return std::nullopt;
  if (!ct || ct->substr(0, 16) != "application/json") {
    return error_response(415, "unsupported_media_type", "send the body as application/json");
  }
  return std::nullopt;
}

// Header fields every command shares (schemas: requested_by, requested_at, request_id).
void write_command_head(json::Writer& w, const std::string& order_id, const security::Principal& who,
                        const std::string& now, const std::string& request_id) {
  w.begin_object().field("order_id", order_id).key("requested_by");
  write_actor(w, Actor{std::string(security::to_string(who.role)), who.subject});
  w.field("requested_at", now).field("request_id", request_id.substr(0, 128));
}

void write_payment_fields(json::Writer& w, const PaymentRequest& p) {
  w.field("payment_reference", p.payment_reference);
  if (p.amount) {
    w.key("amount");
    write_money(w, *p.amount);
  }
  w.field("paid_at", p.paid_at);
}

}  // namespace

OrderApi::OrderApi(ApiOptions options, service::Authenticator auth, OrderReader reader, kafka::Producer& producer,
                   const events::SchemaRegistry& schemas, obs::Logger log, obs::Metrics& metrics, events::Clock clock)
    : options_(options),
      auth_(std::move(auth)),
      reader_(reader),
      producer_(producer),
      schemas_(schemas),
      log_(std::move(log)),
      clock_(std::move(clock)),
      commands_(metrics.counter_family("order_api_commands_total",
                                       "API commands by operation and outcome (applied, refused, accepted, failed)")),
      waiter_([this](const std::string& id) { return reader_.outcome(id); }, options.outcome_poll,
              options.max_waiting) {}

OrderApi::~OrderApi() {
  stop();
}

void OrderApi::stop() {
  waiter_.stop();
}

std::string OrderApi::now_text() const {
  return format_rfc3339(clock_());
}

void OrderApi::add_routes(http::Router& router) {
  router.add("POST", "/api/v1/orders",
             [this](Request&& req, http::Responder r) { register_sale(std::move(req), std::move(r)); });
  const std::pair<const char*, CommandKind> commands[] = {{"reservation-payment", CommandKind::reservation_payment},
                                                          {"final-payment", CommandKind::final_payment},
                                                          {"registration", CommandKind::registration},
                                                          {"handover", CommandKind::handover},
                                                          {"cancel", CommandKind::cancel}};
  for (const auto& [suffix, kind] : commands) {
    const CommandKind k = kind;
    router.add("POST", std::string("/api/v1/orders/{id}/") + suffix,
               [this, k](Request&& req, http::Responder r) { order_command(k, std::move(req), std::move(r)); });
  }
  router.add_sync("GET", "/api/v1/orders/{id}", [this](const Request& req) { return get_order(req); });
  router.add_sync("GET", "/api/v1/orders", [this](const Request& req) { return list_orders(req); });
}

void OrderApi::finish(const std::shared_ptr<Call>& call, Response response) {
  const auto latency = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - call->started);
  const int status = response.status;
  log_.log(status >= 500 ? obs::LogLevel::error : obs::LogLevel::info, "api request",
           {{"correlation_id", call->request_id},
            {"operation", call->operation},
            {"order_id", call->order_id},
            {"customer_id", call->customer_id},
            {"command_id", call->command_id},
            {"status", static_cast<std::int64_t>(status)},
            {"latency_ms", latency.count()}});
  call->respond(std::move(response));
}

void OrderApi::register_sale(Request&& req, http::Responder respond) {
  auto call = std::make_shared<Call>(std::move(respond), "register_sale", req.request_id);
  call->success_status = 201;
  auto who = auth_.authenticate(req);
  if (!who) return finish(call, unauthorized(who.error().message));
  if (auto bad = wrong_content_type(req)) return finish(call, std::move(*bad));
  auto sale = validate_sale(req.body);
  if (auto* e = std::get_if<FieldError>(&sale)) return finish(call, invalid(*e));
  const auto& s = std::get<Sale>(sale);
  call->customer_id = s.customer_id;
  if (authorize(*who, Operation::register_sale, s.dealership_id, s.customer_id) != Decision::allowed) {
    return finish(call,
                  forbidden(who->role == security::Role::dealer
                                ? "a dealer registers sales for its own dealership only"
                                : "role " + std::string(security::to_string(who->role)) + " may not register sales"));
  }
  call->order_id = http::generate_uuid_v4();
  json::Writer w;
  write_command_head(w, call->order_id, *who, now_text(), req.request_id);
  write_sale_fields(w, s);
  w.end_object();
  publish_and_wait(call, "order.register-sale", w.str());
}

void OrderApi::order_command(CommandKind kind, Request&& req, http::Responder respond) {
  auto call = std::make_shared<Call>(std::move(respond), std::string(operation_name(kind)), req.request_id,
                                     std::string(req.param("id")));
  auto who = auth_.authenticate(req);
  if (!who) return finish(call, unauthorized(who.error().message));
  if (auto bad = wrong_content_type(req)) return finish(call, std::move(*bad));
  const auto now = now_text();
  json::Writer w;
  write_command_head(w, call->order_id, *who, now, req.request_id);
  std::optional<FieldError> problem;
  // Validates the body and, when valid, writes the command's own fields.
  auto fill = [&problem, &w](auto validated, auto write) {
    if (auto* e = std::get_if<FieldError>(&validated)) {
      problem = *e;
    } else {
      write(std::get<0>(validated));
    }
  };
  switch (kind) {
    case CommandKind::reservation_payment:
    case CommandKind::final_payment:
      fill(validate_payment(req.body, now), [&w](const PaymentRequest& p) { write_payment_fields(w, p); });
      break;
    case CommandKind::registration:
      fill(validate_registration(req.body, now), [&w](const RegistrationRequest& v) {
        w.field("vin", v.vin).field("registration_plate", v.registration_plate).field("registered_at", v.registered_at);
      });
      break;
    case CommandKind::handover:
      fill(validate_handover(req.body, now),
           [&w](const HandoverRequest& v) { w.field_if("vin", v.vin).field("delivered_at", v.delivered_at); });
      break;
    case CommandKind::cancel:
      fill(validate_cancel(req.body), [&w](const CancelRequest& c) { w.field("reason", c.reason); });
      break;
  }
  if (problem) return finish(call, invalid(*problem));
  w.end_object();

  const auto order = reader_.find(call->order_id);
  if (!order) return finish(call, error_response(404, "not_found", "no order " + call->order_id));
  call->customer_id = order->sale.customer_id;
  if (authorize(*who, Operation::update, order->sale.dealership_id, order->sale.customer_id) != Decision::allowed) {
    return finish(call,
                  forbidden(who->role == security::Role::dealer
                                ? "this order belongs to another dealership"
                                : "role " + std::string(security::to_string(who->role)) + " may not change orders"));
  }
  if (reader_.parked(call->order_id)) {
    return finish(call, error_response(409, "order_parked",
                                       "an earlier input of this order is in the dead-letter queue; an operator must "
                                       "replay or discard it before the order accepts changes",
                                       {{"current_state", std::string(to_string(order->state))}}));
  }
  publish_and_wait(call, std::string(command_type(kind)), w.str());
}

void OrderApi::publish_and_wait(std::shared_ptr<Call> call, const std::string& type, const std::string& data) {
  auto envelope = events::make_envelope(type, "caas/order-api", call->order_id, data, call->request_id, "", clock_);
  if (envelope) {
    if (auto valid = schemas_.validate(*envelope); !valid) envelope = valid.error();
  }
  if (!envelope) {
    commands_.Add({{"operation", call->operation}, {"outcome", "failed"}}).Increment();
    return finish(call,
                  error_response(500, "internal_error", "command could not be built: " + envelope.error().message));
  }
  call->command_id = envelope->id;
  kafka::Record record{kCommandTopic, call->order_id, events::serialize(*envelope), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(*envelope)) record.headers.push_back({k, v});
  // The delivery callback runs on the producer's poll thread; the Responder may be called from any thread.
  const auto status = producer_.send(std::move(record), [this, call](const kafka::DeliveryReport& report) {
    if (!report.ok()) {
      commands_.Add({{"operation", call->operation}, {"outcome", "failed"}}).Increment();
      return finish(call, error_response(503, "unavailable", "the command could not be stored: " + report.message));
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.command_wait;
    const bool waiting = waiter_.wait(call->command_id, deadline, [this, call](std::optional<std::string> outcome) {
      answer_outcome(call, outcome);
    });
    if (!waiting) answer_outcome(call, std::nullopt);
  });
  if (status != kafka::SendStatus::queued) {
    commands_.Add({{"operation", call->operation}, {"outcome", "failed"}}).Increment();
    finish(call, error_response(503, "unavailable", "the command queue is full; retry shortly"));
  }
}

void OrderApi::answer_outcome(const std::shared_ptr<Call>& call, const std::optional<std::string>& text) {
  const auto outcome = text ? decode_outcome(*text) : std::nullopt;
  const std::string location = "/api/v1/orders/" + call->order_id;
  if (!outcome) {  // not visible in time: another replica owns the partition, or it is busy
    commands_.Add({{"operation", call->operation}, {"outcome", "accepted"}}).Increment();
    json::Writer w;
    w.begin_object().field("status", "accepted").field("order_id", call->order_id);
    w.field("command_id", call->command_id).field("location", location);
    w.field("message", "the command is queued for the order's partition owner; GET the location for the result");
    w.end_object();
    auto r = Response::json(202, w.str());
    r.headers.set("Location", location);
    return finish(call, std::move(r));
  }
  if (!outcome->applied) {
    commands_.Add({{"operation", call->operation}, {"outcome", "refused"}}).Increment();
    if (outcome->error == "not_found") return finish(call, error_response(404, "not_found", outcome->message));
    http::ErrorFields extra;
    if (!outcome->current_state.empty()) extra.push_back({"current_state", outcome->current_state});
    const std::string error = outcome->error == "illegal_transition" ? "illegal_transition" : "conflict";
    return finish(call, error_response(409, error, outcome->message, extra));
  }
  commands_.Add({{"operation", call->operation}, {"outcome", "applied"}}).Increment();
  auto order = reader_.find(call->order_id);
  if (!order) return finish(call, error_response(500, "internal_error", "applied order not readable"));
  auto r = Response::json(call->success_status, to_json(*order, JsonView::api));
  if (call->success_status == 201) r.headers.set("Location", location);
  finish(call, std::move(r));
}

Response OrderApi::get_order(const Request& req) {
  auto who = auth_.authenticate(req);
  if (!who) return unauthorized(who.error().message);
  const auto order = reader_.find(req.param("id"));
  if (!order) return error_response(404, "not_found", "no order " + std::string(req.param("id")));
  if (authorize(*who, Operation::read, order->sale.dealership_id, order->sale.customer_id) != Decision::allowed) {
    return forbidden("this order belongs to another " +
                     std::string(who->role == security::Role::dealer ? "dealership" : "customer"));
  }
  return Response::json(200, to_json(*order, JsonView::api));
}

Response OrderApi::list_orders(const Request& req) {
  auto who = auth_.authenticate(req);
  if (!who) return unauthorized(who.error().message);
  auto parsed = parse_list_query(req.query_params);
  if (auto* e = std::get_if<FieldError>(&parsed)) return invalid(*e);
  auto q = std::get<ListQuery>(parsed);
  const auto scope = list_scope(*who);
  if (!scope.dealership_id.empty()) {
    if (!q.dealership_id.empty() && q.dealership_id != scope.dealership_id) {
      return forbidden("a dealer lists its own dealership's orders only");
    }
    q.dealership_id = scope.dealership_id;
  }
  if (!scope.customer_id.empty()) {
    if (!q.customer_id.empty() && q.customer_id != scope.customer_id) {
      return forbidden("a customer lists their own orders only");
    }
    q.customer_id = scope.customer_id;
  }
  return Response::json(200, page_to_json(q, select_page(q, reader_.all())));
}

}  // namespace caas::order
