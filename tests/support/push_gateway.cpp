#include "push_gateway.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/http/client.hpp>

#include <fstream>
#include <stdexcept>

namespace caas::testing {

namespace json = caas::events::json;
using namespace std::chrono_literals;

namespace {

Result<http::Response> control(std::uint16_t port, const std::string& method, const std::string& path,
                               const std::string& body = "") {
  thread_local http::HttpClient client([] {
    http::ClientOptions o;
    o.connect_timeout = 2s;
    o.request_timeout = 10s;
    return o;
  }());
  http::ClientRequest r{method, "http://127.0.0.1:" + std::to_string(port) + path, {}, body};
  if (!body.empty()) r.headers.set("Content-Type", "application/json");
  return client.request(r);
}

}  // namespace

PushGateway::PushGateway(const std::string& binary, const std::string& token, const std::string& scratch_dir) {
  const auto token_file = scratch_dir + "/push-token";
  std::ofstream(token_file) << token << "\n";
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary, "--port", "0", "--api-token-file", token_file, "--log-level", "error"});
  auto line = child_->wait_for_line("caas-push-sim listening on ", 15s);
  if (!line) throw std::runtime_error("caas-push-sim did not start");
  port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
}

PushGateway::~PushGateway() = default;

void PushGateway::set_faults(const std::string& body) const {
  auto r = control(port_, "POST", "/control/faults", body);
  if (!r || r->status != 200) throw std::runtime_error("cannot set push faults: " + (r ? r->body : r.error().message));
}

std::vector<PushedMessage> PushGateway::messages(const std::string& customer_id) const {
  auto r = control(port_, "GET", "/control/messages" + (customer_id.empty() ? "" : "?customer_id=" + customer_id));
  if (!r || r->status != 200) throw std::runtime_error("cannot read push messages");
  auto doc = events::parse_strict_json(r->body, {64, 256 << 20, 1 << 20, 50'000'000});
  if (!doc) throw std::runtime_error("push messages are not JSON");
  std::vector<PushedMessage> out;
  for (const auto& m : (*doc)["messages"].GetArray()) {
    PushedMessage p;
    p.message_id = json::str(m, "message_id");
    p.idempotency_key = json::str(m, "idempotency_key");
    p.customer_id = json::str(m, "customer_id");
    p.title = json::str(m, "title");
    p.body = json::str(m, "body");
    p.language = json::str(m, "language");
    if (const auto* data = json::member(m, "data")) p.type = json::str(*data, "type");
    out.push_back(std::move(p));
  }
  return out;
}

std::string PushGateway::stats() const {
  auto r = control(port_, "GET", "/control/stats");
  if (!r || r->status != 200) throw std::runtime_error("cannot read push stats");
  return r->body;
}

std::int64_t PushGateway::duplicates() const {
  auto doc = events::parse_strict_json(stats());
  if (!doc) return -1;
  return json::int64(*doc, "duplicates").value_or(-1);
}

}  // namespace caas::testing
