// The control API (tests and the demo only; loopback, no authentication):
//   GET  /control/faults                 current fault plan
//   POST /control/faults                 partial update, answers the new plan
//   POST /control/telemetry/pause        no readings fleet-wide (= {"telemetry":{"paused":true}})
//   POST /control/telemetry/resume
//   POST /control/reset[?fleet=true]     faults and counters back to the start (and, with
//                                        fleet=true, the fleet regenerated, commands forgotten)
//   GET  /control/vehicles               every vehicle's true state
//   GET  /control/vehicles/{vin}         one vehicle
//   GET  /control/commands[?vin=]        every command received, in arrival order
//   GET  /control/display-messages[?vin=]
//   GET  /control/offline-periods[?vin=] when each vehicle was offline
//   GET  /control/stats                  counters (domain/stats.hpp)
#include "app/simulator.hpp"

#include "domain/views.hpp"

#include <caas/events/json.hpp>

namespace caas::iot_sim {

namespace {

Result<rapidjson::Document> parse_control(const http::Request& request) {
  return events::parse_strict_json(request.body, events::StrictJsonLimits{8, 4 * 1024 * 1024, 4096, 1000000});
}

/// A list document {"<name>":[…]} of the items `write` writes.
template <class Write>
std::string list_json(std::string_view name, Write&& write) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_string(w, name);
    w.StartArray();
    write(w);
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

void IotSimulator::add_control_routes(http::Router& router) {
  router.add_sync("GET", "/control/faults", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, state_.faults.to_json());
  });
  auto patch = [this](const rapidjson::Value& doc) {
    bool queued = false;
    std::string plan;
    {
      std::lock_guard lock(state_.mutex);
      if (auto e = apply_faults(doc, queued)) {
        return http::error_response(400, "invalid_fault_plan", e->message, {{"field", e->field}});
      }
      plan = state_.faults.to_json();
    }
    log_.info("fault plan changed", {{"faults", plan}});
    wake();
    return http::Response::json(200, plan);
  };
  router.add_sync("POST", "/control/faults", [patch](const http::Request& request) {
    auto doc = parse_control(request);
    if (!doc) return http::error_response(400, "invalid_json", doc.error().message);
    return patch(*doc);
  });
  for (const auto& [path, paused] :
       {std::pair{"/control/telemetry/pause", true}, {"/control/telemetry/resume", false}}) {
    router.add_sync("POST", path, [patch, paused = paused](const http::Request&) {
      rapidjson::Document doc;
      doc.Parse(paused ? R"({"telemetry":{"paused":true}})" : R"({"telemetry":{"paused":false}})");
      return patch(doc);
    });
  }
  router.add_sync("POST", "/control/reset", [this](const http::Request& request) {
    const bool fleet = request.query("fleet").value_or("false") == "true";
    {
      std::lock_guard lock(state_.mutex);
      state_.reset(fleet);
      std::vector<Ack> acks;  // everyone back online: held commands are delivered
      state_.network.sync_connectivity(state_.faults, std::chrono::system_clock::now(),
                                       std::chrono::steady_clock::now(), acks);
      queue_acks(acks);
    }
    log_.info("simulator reset", {{"fleet_regenerated", fleet}});
    wake();
    return http::Response::json(
        200, std::string(R"({"reset":true,"fleet_regenerated":)") + (fleet ? "true" : "false") + "}");
  });
  router.add_sync("GET", "/control/vehicles", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    const auto now = std::chrono::system_clock::now();
    const auto& last = state_.telemetry.last_taken();
    return http::Response::json(200, list_json("vehicles", [&](JsonWriter& w) {
                                  for (const auto& v : state_.network.vehicles()) {
                                    auto it = last.find(v.vin);
                                    write_control_vehicle(w, v, state_.network.pending_commands(v.vin),
                                                          it == last.end() ? nullptr : &it->second, now);
                                  }
                                }));
  });
  router.add_sync("GET", "/control/vehicles/{vin}", [this](const http::Request& request) {
    const std::string vin(request.param("vin"));
    std::lock_guard lock(state_.mutex);
    const Vehicle* v = state_.network.find(vin);
    if (v == nullptr) return http::error_response(404, "vehicle_not_found", "no such vehicle", {{"vin", vin}});
    const auto& last = state_.telemetry.last_taken();
    auto it = last.find(vin);
    return http::Response::json(200, build_json([&](JsonWriter& w) {
                                  write_control_vehicle(w, *v, state_.network.pending_commands(vin),
                                                        it == last.end() ? nullptr : &it->second,
                                                        std::chrono::system_clock::now());
                                }));
  });
  router.add_sync("GET", "/control/commands", [this](const http::Request& request) {
    const auto vin = request.query("vin");
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, list_json("commands", [&](JsonWriter& w) {
                                  for (const auto& [seq, c] : state_.network.commands()) {
                                    if (!vin || c.vin == *vin) write_control_command(w, c);
                                  }
                                }));
  });
  router.add_sync("GET", "/control/display-messages", [this](const http::Request& request) {
    const auto vin = request.query("vin");
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, list_json("messages", [&](JsonWriter& w) {
                                  for (const auto& m : state_.network.messages()) {
                                    if (!vin || m.vin == *vin) write_control_message(w, m);
                                  }
                                }));
  });
  router.add_sync("GET", "/control/offline-periods", [this](const http::Request& request) {
    const auto vin = request.query("vin");
    std::lock_guard lock(state_.mutex);
    return http::Response::json(200, list_json("vehicles", [&](JsonWriter& w) {
                                  for (const auto& v : state_.network.vehicles()) {
                                    const bool wanted = vin ? v.vin == *vin : !v.offline_periods.empty();
                                    if (wanted) write_offline_periods(w, v);
                                  }
                                }));
  });
  router.add_sync("GET", "/control/stats", [this](const http::Request&) {
    std::lock_guard lock(state_.mutex);
    Stats snapshot = state_.stats;
    const auto& vs = state_.network.vehicles();
    snapshot.vehicles = vs.size();
    snapshot.vehicles_online =
        static_cast<std::uint64_t>(std::count_if(vs.begin(), vs.end(), [](const Vehicle& v) { return v.online; }));
    std::size_t telemetry_waiting = 0;
    std::size_t status_waiting = 0;
    state_.queue.count_waiting(telemetry_waiting, status_waiting);
    snapshot.telemetry_webhooks.waiting = telemetry_waiting;
    snapshot.command_status_webhooks.waiting = status_waiting;
    snapshot.telemetry_webhooks.in_flight = state_.queue.busy("telemetry") ? 1 : 0;
    snapshot.command_status_webhooks.in_flight = state_.queue.in_flight() - snapshot.telemetry_webhooks.in_flight;
    return http::Response::json(200, snapshot.to_json());
  });
}

}  // namespace caas::iot_sim
