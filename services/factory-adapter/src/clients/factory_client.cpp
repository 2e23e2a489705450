#include "clients/factory_client.hpp"

#include <cctype>

namespace caas::factory {

namespace {

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

/// Transport failures: a timeout may have reached the Factory (hence the
/// idempotency key); connect failures certainly did not.
Transient transport_failure(const Error& e) {
  using resilience::ErrorClass;
  const auto kind = e.code == http::ClientErrc::timeout ? ErrorClass::timeout : ErrorClass::network;
  return Transient{kind, 0, e.message, {}};
}

/// Factory order ids are opaque: encode everything outside RFC 3986 unreserved.
std::string encode_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

http::ClientOptions client_options(const FactoryClientOptions& o) {
  http::ClientOptions c;
  c.connect_timeout = o.connect_timeout;
  c.request_timeout = o.timeout;
  // Below typical server idle timeouts so a pooled POST is not lost to a
  // connection the Factory already closed (POST is never retried on one).
  c.max_idle_time = std::chrono::milliseconds(4000);
  c.user_agent = "caas-factory-adapter/1";
  return c;
}

}  // namespace

FactoryClient::FactoryClient(FactoryClientOptions options)
    : options_(std::move(options)), http_(client_options(options_)) {
  options_.base_url = trim_slash(options_.base_url);
}

http::Headers FactoryClient::headers(const std::string& correlation_id) const {
  http::Headers h;
  h.set("Authorization", "Bearer " + options_.token);
  h.set("Accept", "application/json");
  if (!correlation_id.empty() && http::valid_request_id(correlation_id)) h.set("X-Request-Id", correlation_id);
  return h;
}

PlaceResult FactoryClient::place_order(const std::string& request_body, const std::string& idempotency_key,
                                       const std::string& correlation_id) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = options_.base_url + "/api/v1/orders";
  req.headers = headers(correlation_id);
  req.headers.set("Content-Type", "application/json");
  req.headers.set("Idempotency-Key", idempotency_key);
  req.body = request_body;
  auto r = http_.request(req, options_.timeout);
  if (!r) return transport_failure(r.error());
  return interpret_place_response(r->status, r->body, r->headers.get("Retry-After"));
}

StatusQueryResult FactoryClient::order_status(const std::string& factory_order_id, const std::string& correlation_id) {
  http::ClientRequest req;
  req.method = "GET";
  req.url = options_.base_url + "/api/v1/orders/" + encode_segment(factory_order_id) + "/status";
  req.headers = headers(correlation_id);
  auto r = http_.request(req, options_.timeout);
  if (!r) {
    auto t = transport_failure(r.error());
    return StatusQueryError{t.kind, 0, t.message};
  }
  return interpret_status_response(r->status, r->body);
}

}  // namespace caas::factory
