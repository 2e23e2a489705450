#include "clients/factory_api.hpp"

#include "domain/json.hpp"

#include <caas/events/time.hpp>

namespace caas::factory {

namespace {

std::string snippet(std::string_view body) {
  constexpr std::size_t kMax = 256;
  return std::string(body.substr(0, kMax));
}

bool is_date(std::string_view s) {
  return static_cast<bool>(events::parse_date(s));
}

}  // namespace

bool is_health_failure(resilience::ErrorClass kind) noexcept {
  using resilience::ErrorClass;
  return kind == ErrorClass::timeout || kind == ErrorClass::network || kind == ErrorClass::server_error ||
         kind == ErrorClass::rate_limited;
}

PlaceResult interpret_place_response(int http_status, std::string_view body,
                                     std::optional<std::string_view> retry_after_header) {
  using resilience::ErrorClass;
  if (http_status == 200 || http_status == 201) {
    auto doc = parse_object(body);
    if (!doc) return Transient{ErrorClass::unknown, http_status, "unparsable 201 body: " + snippet(body), {}};
    Created c{string_or(*doc, "order_id"), string_or(*doc, "status", "ORDERED"),
              string_or(*doc, "estimated_delivery_date"), string_or(*doc, "manufacturing_location"),
              string_or(*doc, "created_at")};
    if (c.status != "ORDERED" && c.status != "QUEUED") c.status = "ORDERED";
    if (c.factory_order_id.empty() || c.factory_order_id.size() > 128 || !is_date(c.estimated_delivery_date) ||
        c.manufacturing_location.empty() || !events::parse_rfc3339(c.created_at)) {
      return Transient{ErrorClass::unknown, http_status, "incomplete 201 body: " + snippet(body), {}};
    }
    return c;
  }
  const auto cls = resilience::classify_http_status(http_status);
  auto doc = parse_object(body);
  const std::string message = doc ? string_or(*doc, "message", string_or(*doc, "error", snippet(body))) : snippet(body);
  switch (cls) {
    case ErrorClass::auth:
      return AuthFailed{http_status, message};
    case ErrorClass::client_error:
      return Rejected{http_status,
                      doc ? string_or(*doc, "error_code", "HTTP_" + std::to_string(http_status))
                          : "HTTP_" + std::to_string(http_status),
                      message, doc ? string_or(*doc, "field") : ""};
    case ErrorClass::timeout:
    case ErrorClass::server_error:
    case ErrorClass::rate_limited: {
      std::optional<std::chrono::milliseconds> ra;
      if (retry_after_header) ra = resilience::parse_retry_after(*retry_after_header);
      return Transient{cls, http_status, "HTTP " + std::to_string(http_status) + ": " + message, ra};
    }
    default:
      return Transient{ErrorClass::unknown, http_status, "unexpected HTTP " + std::to_string(http_status), {}};
  }
}

StatusQueryResult interpret_status_response(int http_status, std::string_view body) {
  if (http_status != 200) {
    auto cls = resilience::classify_http_status(http_status);
    return StatusQueryError{cls, http_status, "HTTP " + std::to_string(http_status) + ": " + snippet(body)};
  }
  auto doc = parse_object(body);
  if (!doc) return StatusQueryError{resilience::ErrorClass::unknown, 200, "unparsable status body"};
  auto status = parse_factory_status(string_or(*doc, "status"));
  if (!status) return StatusQueryError{resilience::ErrorClass::unknown, 200, "unknown or missing status"};
  FactorySnapshot snap;
  snap.status = *status;
  if (const auto* hist = member(*doc, "status_history"); hist != nullptr && hist->IsArray()) {
    for (const auto& item : hist->GetArray()) {
      auto s = parse_factory_status(string_or(item, "status"));
      auto ts_text = string_or(item, "timestamp");
      auto ts = events::parse_rfc3339(ts_text);
      if (!s || !ts) {
        return StatusQueryError{resilience::ErrorClass::unknown, 200, "bad status_history entry"};
      }
      snap.history.push_back(
          {*s, ts_text, std::chrono::duration_cast<std::chrono::milliseconds>(ts.value().time_since_epoch()).count()});
    }
  }
  return snap;
}

std::string placement_request_body(std::string_view place_order_data) {
  auto doc = parse_object(place_order_data);
  if (!doc) return {};
  events::json::Writer j;
  j.begin_object();
  for (const char* name :
       {"customer_id", "vehicle_specification", "dealership_id", "delivery_address", "plan_comercial"}) {
    if (const auto* v = member(*doc, name); v != nullptr) j.key(name).value(*v);
  }
  j.end_object();
  return j.str();
}

}  // namespace caas::factory
