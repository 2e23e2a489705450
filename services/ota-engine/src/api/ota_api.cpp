#include "api/ota_api.hpp"

#include "domain/ota_events.hpp"

#include <caas/events/ids.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/security/crypto.hpp>

#include <regex>
#include <variant>

namespace caas::ota {

namespace json = caas::events::json;
using http::Request;
using http::Response;

namespace {

// The one error -> response mapping of this API (DESIGN.md §6).
enum class Failure {
  unauthenticated,
  forbidden,
  invalid,
  vehicle_not_found,
  service_not_found,
  activation_not_found,
  not_available,
  conflict,
  idempotency_reused,
  rate_limited,
  unavailable
};

Response reply(Failure f, std::string_view message, const http::ErrorFields& extra = {}, std::string_view error = {}) {
  switch (f) {
    case Failure::unauthenticated: {
      auto r = http::error_response(401, "unauthenticated", message, extra);
      r.headers.set("WWW-Authenticate", "Bearer");
      return r;
    }
    case Failure::forbidden:
      return http::error_response(403, "forbidden", message, extra);
    case Failure::invalid:
      return http::error_response(400, "invalid_request", message, extra);
    case Failure::vehicle_not_found:
      return http::error_response(404, "vehicle_not_found", message, extra);
    case Failure::service_not_found:
      return http::error_response(404, "service_not_found", message, extra);
    case Failure::activation_not_found:
      return http::error_response(404, "activation_not_found", message, extra);
    case Failure::not_available:
      return http::error_response(422, "service_not_available", message, extra);
    case Failure::conflict:
      return http::error_response(409, error.empty() ? "conflict" : error, message, extra);
    case Failure::idempotency_reused:
      return http::error_response(422, "idempotency_key_reused", message, extra);
    case Failure::rate_limited:
      return http::error_response(429, "rate_limited", message, extra);
    case Failure::unavailable:
      return http::error_response(503, "unavailable", message, extra);
  }
  return http::error_response(500, "internal", message);
}

bool staff(security::Role r) {
  return r == security::Role::admin || r == security::Role::operator_ || r == security::Role::system;
}

bool valid_vin(std::string_view vin) {
  static const std::regex re("^[A-HJ-NPR-Z0-9]{17}$");
  return std::regex_match(vin.begin(), vin.end(), re);
}

std::string hex(const security::Digest& d, std::size_t bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes && i < d.size(); ++i) {
    out.push_back(digits[d[i] >> 4]);
    out.push_back(digits[d[i] & 15]);
  }
  return out;
}

std::string caller_of(const security::Principal& p) {
  return std::string(security::to_string(p.role)) + ":" + p.subject;
}

struct Access {
  security::Principal who;
  Owner owner;
};

// Authenticates and checks the caller may act on the vehicle.
std::variant<Access, Response> vehicle_access(const service::Authenticator& auth, const OtaStore& store,
                                              const Request& req) {
  auto who = auth.authenticate(req);
  if (!who) return reply(Failure::unauthenticated, who.error().message);
  const std::string vin(req.param("vin"));
  if (!valid_vin(vin)) return reply(Failure::invalid, "a VIN has 17 characters of [A-HJ-NPR-Z0-9]", {{"field", "vin"}});
  if (who->role != security::Role::customer && !staff(who->role)) {
    return reply(Failure::forbidden, "dealers cannot manage vehicle services");
  }
  auto owner = store.owner(vin);
  if (!owner) return reply(Failure::vehicle_not_found, "this vehicle was never delivered", {{"vin", vin}});
  if (who->role == security::Role::customer && owner->customer_id != who->subject) {
    return reply(Failure::forbidden, "only the vehicle's owner may do this", {{"vin", vin}});
  }
  return Access{*who, *owner};
}

std::string state_of_request(const OtaStore& store, const std::string& id) {
  auto a = store.activation(id);
  return a ? std::string(to_string(a->state)) : "REQUESTED";
}

}  // namespace

OtaApi::OtaApi(ApiSettings settings, OtaStore& store, const Catalogue& catalogue, service::Authenticator auth,
               const service::EventEmitter& emitter, IotClient& iot, observability::Logger log)
    : settings_(settings),
      store_(store),
      catalogue_(catalogue),
      auth_(std::move(auth)),
      emitter_(emitter),
      iot_(iot),
      log_(std::move(log)),
      per_vehicle_(settings.rate_per_vehicle),
      per_customer_(settings.rate_per_customer) {}

void OtaApi::add_routes(http::Router& router) {
  router.add_sync("POST", "/api/v1/vehicles/{vin}/services/{code}/activation",
                  [this](const Request& r) { return request(r, Operation::activation); });
  router.add_sync("POST", "/api/v1/vehicles/{vin}/services/{code}/deactivation",
                  [this](const Request& r) { return request(r, Operation::deactivation); });
  router.add_sync("GET", "/api/v1/activations/{id}", [this](const Request& r) { return get_activation(r); });
  router.add_sync("GET", "/api/v1/vehicles/{vin}/services", [this](const Request& r) { return vehicle_services(r); });
  router.add_sync("GET", "/api/v1/vehicles/{vin}/commands", [this](const Request& r) { return vehicle_commands(r); });
  router.add_sync("GET", "/api/v1/catalogue", [this](const Request& r) { return catalogue(r); });
  router.add_sync("POST", "/api/v1/vehicles/{vin}/owner", [this](const Request& r) { return transfer_owner(r); });
}

std::string OtaApi::platform_of(const std::string& vin, const Owner& owner) {
  if (!owner.platform.empty()) return owner.platform;
  if (auto cached = store_.raw().get("p/" + vin)) return *cached;
  auto answer = iot_.status(vin);  // bounded by CAAS_OTA_IOT_TIMEOUT
  if (answer.platform.empty()) return {};
  store::WriteTxn txn;
  txn.put("p/" + vin, answer.platform);
  (void)store_.raw().commit(std::move(txn));
  return answer.platform;
}

Response OtaApi::request(const Request& req, Operation op) {
  auto access = vehicle_access(auth_, store_, req);
  if (auto* denied = std::get_if<Response>(&access)) return std::move(*denied);
  const auto& [who, owner] = std::get<Access>(access);
  const std::string vin(req.param("vin"));
  const std::string code(req.param("code"));
  const auto caller = caller_of(who);
  const auto now_steady = std::chrono::steady_clock::now();
  if (auto wait = per_vehicle_.take(vin, now_steady)) {
    auto r = reply(Failure::rate_limited, "too many requests for this vehicle", {{"vin", vin}});
    r.headers.set("Retry-After", std::to_string(*wait));
    return r;
  }
  if (auto wait = per_customer_.take(caller, now_steady)) {
    auto r = reply(Failure::rate_limited, "too many requests from this caller");
    r.headers.set("Retry-After", std::to_string(*wait));
    return r;
  }
  const auto* service = catalogue_.find(code);
  if (!service) return reply(Failure::service_not_found, "no such service in the catalogue", {{"service_code", code}});
  std::string payment;
  if (!req.body.empty()) {
    auto body = events::parse_strict_json(req.body);
    if (!body || !body->IsObject()) return reply(Failure::invalid, "the body must be a JSON object");
    if (const auto* p = json::member(*body, "payment_authorization")) {
      if (!p->IsString() || p->GetStringLength() == 0 || p->GetStringLength() > 128) {
        return reply(Failure::invalid, "payment_authorization: a string of 1..128 characters",
                     {{"field", "payment_authorization"}});
      }
      payment.assign(p->GetString(), p->GetStringLength());
    }
  }
  if (op == Operation::activation && payment.empty()) {
    return reply(Failure::invalid, "a purchase needs its payment_authorization", {{"field", "payment_authorization"}});
  }
  std::string key;
  if (auto k = req.header("Idempotency-Key")) {
    key = std::string(*k);
    if (key.empty() || key.size() > 128) {
      return reply(Failure::invalid, "Idempotency-Key: 1..128 characters", {{"field", "Idempotency-Key"}});
    }
  }
  const auto platform = platform_of(vin, owner);
  if (platform.empty()) {
    auto r = reply(Failure::unavailable, "the vehicle's platform cannot be read from the API IoT now", {{"vin", vin}});
    r.headers.set("Retry-After", "1");
    return r;
  }
  if (!service->platforms.count(platform)) {
    return reply(Failure::not_available, "this service is not available for the vehicle's platform",
                 {{"service_code", code}, {"platform", platform}});
  }
  const auto fingerprint =
      hex(security::sha256(vin + "\n" + code + "\n" + std::string(to_string(op)) + "\n" + payment), 16);

  std::lock_guard lock(write_mutex_);
  std::string id;
  if (!key.empty()) {
    if (auto seen = store_.raw().get(keys::idempotency(caller, key))) {
      auto d = events::parse_strict_json(*seen);
      const auto seen_id = d && d->IsObject() ? json::str(*d, "activation_id") : std::string();
      if (!d || !d->IsObject() || json::str(*d, "fingerprint") != fingerprint) {
        return reply(Failure::idempotency_reused, "this Idempotency-Key was used for another request",
                     {{"activation_id", seen_id}});
      }
      id = seen_id;
    }
  }
  if (id.empty()) {
    // Not seen: state checks against what the vehicle has and has queued.
    auto vehicle = store_.vehicle(vin).value_or(Vehicle{});
    // What the service will be once everything queued for the vehicle ran.
    bool on = vehicle.active.count(code) > 0;
    for (const auto& qid : vehicle.queue) {
      auto q = store_.activation(qid);
      if (q && q->service_code == code && !terminal(q->state)) on = q->operation == Operation::activation;
    }
    if (op == Operation::activation && on) {
      return reply(Failure::conflict, "the service is already active (or being activated) on this vehicle",
                   {{"service_code", code}}, "already_active");
    }
    if (op == Operation::deactivation && !on) {
      return reply(Failure::conflict, "the service is not active on this vehicle", {{"service_code", code}},
                   "not_active");
    }
    id = key.empty() ? http::generate_uuid_v4() : events::name_based_uuid("ota-activation\n" + caller + "\n" + key, 5);
    RequestCommand cmd{id, vin, owner.customer_id, code, platform, payment, key, caller, op, emitter_.now_ms()};
    service::OutboundEvent ev{kCommandsTopic,       "ota.request-service", vin, request_data(cmd),
                              request_event_id(id), req.request_id,        {}};
    auto record = emitter_.make(ev, cmd.requested_ms);
    if (!record) {
      log_.error("request command failed its schema (bug)", {{"error", record.error().message}});
      return http::error_response(500, "internal", "the request could not be recorded");
    }
    store::WriteTxn txn;
    txn.enqueue(std::move(*record));
    if (!key.empty()) {
      json::Writer w;
      w.begin_object().field("fingerprint", fingerprint).field("activation_id", id).end_object();
      txn.put(keys::idempotency(caller, key), w.str());
    }
    txn.put("r/" + id, request_data(cmd));
    auto committed = store_.raw().commit(std::move(txn));
    if (!committed) {
      auto r = reply(Failure::unavailable, "the request could not be stored; retry");
      r.headers.set("Retry-After", "1");
      return r;
    }
    log_.info("service request accepted", {{"vin", vin},
                                           {"activation_id", id},
                                           {"service_code", code},
                                           {"operation", std::string(to_string(op))},
                                           {"correlation_id", req.request_id}});
  }
  json::Writer w;
  w.begin_object().field("activation_id", id).field("state", state_of_request(store_, id));
  w.field("vin", vin).field("service_code", code).field("operation", to_string(op)).end_object();
  auto r = Response::json(202, w.str());
  r.headers.set("Location", "/api/v1/activations/" + id);
  return r;
}

Response OtaApi::get_activation(const Request& req) {
  auto who = auth_.authenticate(req);
  if (!who) return reply(Failure::unauthenticated, who.error().message);
  const std::string id(req.param("id"));
  std::optional<std::string> view;
  std::string vin, customer;
  if (auto a = store_.activation(id)) {
    view = activation_view(*a);
    vin = a->vin;
    customer = a->customer_id;
  } else if (auto pending = store_.raw().get("r/" + id)) {
    auto r = parse_request(*pending);
    if (r) {
      json::Writer w;
      w.begin_object().field("activation_id", id).field("vin", r->vin).field("customer_id", r->customer_id);
      w.field("service_code", r->service_code).field("operation", to_string(r->operation));
      w.field("state", "REQUESTED").key("attempts").begin_array().end_array();
      w.field("created_at", iso_ms(r->requested_ms)).field("updated_at", iso_ms(r->requested_ms)).end_object();
      view = w.str();
      vin = r->vin;
      customer = r->customer_id;
    }
  }
  if (!view) return reply(Failure::activation_not_found, "no such activation", {{"activation_id", id}});
  if (who->role == security::Role::customer) {
    auto owner = store_.owner(vin);
    if (customer != who->subject || !owner || owner->customer_id != who->subject) {
      return reply(Failure::forbidden, "a customer sees only the activations of their vehicles");
    }
  } else if (!staff(who->role)) {
    return reply(Failure::forbidden, "dealers cannot see activations");
  }
  return Response::json(200, *view);
}

Response OtaApi::vehicle_services(const Request& req) {
  auto access = vehicle_access(auth_, store_, req);
  if (auto* denied = std::get_if<Response>(&access)) return std::move(*denied);
  const std::string vin(req.param("vin"));
  const auto& owner = std::get<Access>(access).owner;
  auto vehicle = store_.vehicle(vin).value_or(Vehicle{});
  std::string platform = owner.platform;
  if (platform.empty()) platform = store_.raw().get("p/" + vin).value_or("");
  std::map<std::string, Activation> last;  // newest activation per service code
  for (const auto& id : vehicle.history) {
    if (auto a = store_.activation(id)) last[a->service_code] = std::move(*a);
  }
  json::Writer w;
  w.begin_object().field("vin", vin).field_or_null("platform", platform).key("services").begin_array();
  for (const auto& s : catalogue_.services()) {
    auto pv = s.platforms.find(platform);
    if (pv == s.platforms.end()) continue;
    const bool active = vehicle.active.count(s.code) > 0;
    w.begin_object().field("service_code", s.code).field("name", s.name).field("active", active);
    w.key("desired");
    write_params(w, active ? pv->second.activation : pv->second.deactivation);
    Params reported;
    for (const auto& [k, v] : pv->second.activation) {
      if (auto it = vehicle.reported.find(k); it != vehicle.reported.end()) reported[k] = it->second;
    }
    w.key("reported");
    write_params(w, reported);
    if (auto it = last.find(s.code); it != last.end()) {
      w.field("state", to_string(it->second.state)).field("activation_id", it->second.id);
      w.field("operation", to_string(it->second.operation));
    } else {
      w.key("state").null().key("activation_id").null();
    }
    w.end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response OtaApi::vehicle_commands(const Request& req) {
  auto access = vehicle_access(auth_, store_, req);
  if (auto* denied = std::get_if<Response>(&access)) return std::move(*denied);
  const std::string vin(req.param("vin"));
  auto vehicle = store_.vehicle(vin).value_or(Vehicle{});
  json::Writer w;
  w.begin_object().field("vin", vin).key("commands").begin_array();
  for (const auto& id : vehicle.history) {
    auto a = store_.activation(id);
    if (!a) continue;
    for (const auto& at : a->attempts) {
      w.begin_object().field("command_id", at.command_id).field("activation_id", a->id);
      w.field("service_code", a->service_code).field("operation", to_string(a->operation));
      w.field("attempt", at.number).field("kind", to_string(at.kind)).key("parameters");
      write_params(w, at.parameters);
      w.field("sent_at", iso_ms(at.sent_at_ms)).field("outcome", at.outcome).field_or_null("error_code", at.error_code);
      w.end_object();
    }
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response OtaApi::catalogue(const Request& req) {
  auto who = auth_.authenticate(req);
  if (!who) return reply(Failure::unauthenticated, who.error().message);
  const auto platform = req.query("platform");
  if (platform && !catalogue_.knows_platform(*platform)) {
    return reply(Failure::invalid, "no service is defined for this platform", {{"field", "platform"}});
  }
  json::Writer w;
  w.begin_object();
  if (platform) w.field("platform", *platform);
  w.key("services").begin_array();
  for (const auto& s : catalogue_.services()) {
    if (platform && !s.platforms.count(*platform)) continue;
    w.begin_object().field("code", s.code).field("name", s.name).field("firmware_module", s.firmware_module);
    w.field("service_type", s.service_type).key("price").begin_object();
    w.field("reference", s.price.reference).field("amount", s.price.amount).field("currency", s.price.currency);
    w.field("period", s.price.period).end_object();
    if (platform) {
      const auto& pv = s.platforms.at(*platform);
      w.key("parameters").begin_object().key("activation");
      write_params(w, pv.activation);
      w.key("deactivation");
      write_params(w, pv.deactivation);
      w.end_object();
    } else {
      w.key("platforms").begin_array();
      for (const auto& [name, values] : s.platforms) w.value(name);
      w.end_array();
    }
    w.end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response OtaApi::transfer_owner(const Request& req) {
  auto who = auth_.authenticate(req);
  if (!who) return reply(Failure::unauthenticated, who.error().message);
  if (who->role != security::Role::admin && who->role != security::Role::operator_) {
    return reply(Failure::forbidden, "only an operator may transfer a vehicle");
  }
  const std::string vin(req.param("vin"));
  if (!valid_vin(vin)) return reply(Failure::invalid, "a VIN has 17 characters of [A-HJ-NPR-Z0-9]", {{"field", "vin"}});
  auto body = events::parse_strict_json(req.body);
  const auto customer = body && body->IsObject() ? json::str(*body, "customer_id") : std::string();
  if (customer.empty() || customer.size() > 128) {
    return reply(Failure::invalid, "customer_id: a string of 1..128 characters", {{"field", "customer_id"}});
  }
  std::lock_guard lock(write_mutex_);
  auto owner = store_.owner(vin);
  if (!owner) return reply(Failure::vehicle_not_found, "this vehicle was never delivered", {{"vin", vin}});
  TransferCommand t{vin, customer, owner->customer_id, caller_of(*who), emitter_.now_ms()};
  const auto id = events::derive_event_id("ota.transfer-owner", vin + "\n" + customer + "\n" + std::to_string(t.at_ms));
  service::OutboundEvent ev{kCommandsTopic, "ota.transfer-owner", vin, transfer_data(t), id, req.request_id, {}};
  auto record = emitter_.make(ev, t.at_ms);
  if (!record) return http::error_response(500, "internal", "the transfer could not be recorded");
  store::WriteTxn txn;
  txn.enqueue(std::move(*record));
  Owner next = *owner;
  next.customer_id = customer;
  next.since_ms = t.at_ms;
  txn.put(keys::owner(vin), encode(next));  // the previous customer loses access now, not when the log is applied
  auto committed = store_.raw().commit(std::move(txn));
  if (!committed) {
    auto r = reply(Failure::unavailable, "the transfer could not be stored; retry");
    r.headers.set("Retry-After", "1");
    return r;
  }
  log_.info("vehicle transferred", {{"vin", vin},
                                    {"customer_id", customer},
                                    {"previous_customer_id", owner->customer_id},
                                    {"correlation_id", req.request_id}});
  json::Writer w;
  w.begin_object().field("vin", vin).field("customer_id", customer);
  w.field("previous_customer_id", owner->customer_id).end_object();
  return Response::json(200, w.str());
}

}  // namespace caas::ota
