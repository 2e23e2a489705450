// The control API (tests and the demo only; no authentication — bind to
// loopback, the default):
//   GET  /control/faults                   current fault plan
//   POST /control/faults                   partial update, answers the new plan
//   POST /control/recipients/unregistered  {"customer_ids":[…]} → later sends to them: 404
//   POST /control/reset                    messages, keys, unregistered, faults, stats cleared
//   GET  /control/messages[?customer_id=X] delivered messages in delivery order
//   GET  /control/stats                    counters (domain/stats.hpp)
#include "app/simulator.hpp"

#include "domain/views.hpp"

#include <caas/events/json.hpp>

namespace caas::push_sim {

namespace {

constexpr std::size_t kMaxIdsPerCall = 10000;

http::Response bad_request(std::string field, std::string message) {
  return http::Response::json(400, invalid_request(std::move(field), std::move(message)).to_json());
}

Result<rapidjson::Document> parse_control(const http::Request& request) {
  return events::parse_strict_json(request.body, events::StrictJsonLimits{8, 2 * 1024 * 1024, 4096, 100000});
}

}  // namespace

void PushSimulator::add_control_routes(http::Router& router) {
  router.add_sync("GET", "/control/faults", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, to_json(state_.faults));
  });
  router.add_sync("POST", "/control/faults", [this](const http::Request& request) {
    auto doc = parse_control(request);
    if (!doc) return bad_request("", "Malformed JSON: " + doc.error().message);
    std::string plan;
    {
      std::lock_guard lock(state_.mutex);
      if (auto e = apply_fault_patch(state_.faults, *doc)) return bad_request(e->field, e->message);
      plan = to_json(state_.faults);
    }
    log_.info("fault plan changed", {{"faults", plan}});
    return http::Response::json(200, plan);
  });
  router.add_sync("POST", "/control/recipients/unregistered", [this](const http::Request& request) {
    auto doc = parse_control(request);
    if (!doc) return bad_request("", "Malformed JSON: " + doc.error().message);
    const auto it = doc->IsObject() ? doc->FindMember("customer_ids") : doc->MemberEnd();
    if (!doc->IsObject() || it == doc->MemberEnd() || !it->value.IsArray() || it->value.Size() > kMaxIdsPerCall) {
      return bad_request("customer_ids", "customer_ids must be an array of at most " + std::to_string(kMaxIdsPerCall) +
                                             " customer ids");
    }
    std::vector<std::string> ids;
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      const auto& v = it->value[i];
      if (!v.IsString() || v.GetStringLength() == 0 ||
          utf8_length(std::string_view(v.GetString(), v.GetStringLength())) > kMaxCustomerIdChars) {
        return bad_request("customer_ids[" + std::to_string(i) + "]",
                           "a customer id is a string of 1.." + std::to_string(kMaxCustomerIdChars) + " characters");
      }
      ids.emplace_back(v.GetString(), v.GetStringLength());
    }
    std::size_t total = 0;
    {
      std::lock_guard lock(state_.mutex);
      if (!state_.book.unregister(ids)) {
        return http::Response::json(
            507, ApiError{507, "INSUFFICIENT_STORAGE", "too many unregistered recipients", std::nullopt}.to_json());
      }
      total = state_.book.unregistered_count();
    }
    log_.info("recipients unregistered",
              {{"count", static_cast<std::int64_t>(ids.size())}, {"total", static_cast<std::int64_t>(total)}});
    return http::Response::json(200, R"({"unregistered":)" + std::to_string(total) + "}");
  });
  router.add_sync("POST", "/control/reset", [this](const http::Request&) {
    {
      std::lock_guard lock(state_.mutex);
      state_.reset();
    }
    log_.info("simulator reset");
    return http::Response::json(200, R"({"reset":true})");
  });
  router.add_sync("GET", "/control/messages", [this](const http::Request& request) {
    const auto customer_id = request.query("customer_id");
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, messages_json(state_.book.messages(), customer_id));
  });
  router.add_sync("GET", "/control/stats", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, state_.stats.to_json());
  });
}

}  // namespace caas::push_sim
