#include "domain/vehicle_events.hpp"

#include <caas/events/ids.hpp>
#include <caas/events/json_util.hpp>
#include <caas/events/time.hpp>

#include <charconv>

namespace caas::telemetry {

namespace json = caas::events::json;

std::string format_ms(std::int64_t ms) {
  return events::format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

std::string vehicle_event_id(std::string_view type, std::string_view id_basis) {
  return events::derive_event_id(type, id_basis);
}

std::string json_number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "0";
  return {buf, end};
}

namespace {
void reading_facts(json::Writer& w, const Reading& r) {
  w.field("seq", static_cast<std::int64_t>(r.seq)).field("reported_at", r.time).field("received_at", r.received_at);
}
}  // namespace

std::string online_data(const std::string& vin, std::int64_t online_since_ms, std::uint64_t seq,
                        std::int64_t offline_since_ms, bool corrects_offline, const std::string& platform) {
  json::Writer w;
  w.begin_object().field("vin", vin).field("online_since", format_ms(online_since_ms));
  w.field("seq", static_cast<std::int64_t>(seq));
  if (offline_since_ms != 0) w.field("offline_since", format_ms(offline_since_ms));
  if (corrects_offline) w.field("corrects_offline", true);
  w.field_if("platform", platform);
  return w.end_object().str();
}

std::string offline_data(const std::string& vin, std::int64_t offline_since_ms, const std::string& last_seen,
                         std::uint64_t last_seq, std::int64_t timeout_ms, const std::string& platform) {
  json::Writer w;
  w.begin_object().field("vin", vin).field("offline_since", format_ms(offline_since_ms));
  w.field("last_seen", last_seen).field("last_seq", static_cast<std::int64_t>(last_seq));
  w.field("timeout_ms", timeout_ms).field_if("platform", platform);
  return w.end_object().str();
}

std::string configuration_data(const Reading& r, const Configuration& parameters,
                               const std::vector<std::string>& changed) {
  json::Writer w;
  w.begin_object().field("vin", r.vin);
  reading_facts(w, r);
  w.key("parameters").begin_object();
  for (const auto& [name, value] : parameters) w.key(name).raw(value);
  w.end_object().string_array("changed", changed);
  return w.end_object().str();
}

std::string diagnostic_data(const Reading& r, const Diagnostic& d, std::string_view previous_severity) {
  json::Writer w;
  w.begin_object().field("vin", r.vin).field("code", d.code);
  w.field("severity", d.severity.empty() ? std::string("info") : d.severity);
  if (!previous_severity.empty()) w.field("previous_severity", previous_severity);
  reading_facts(w, r);
  return w.end_object().str();
}

std::string operational_state_data(const Reading& r, const std::string& previous_state) {
  json::Writer w;
  w.begin_object().field("vin", r.vin).field("operational_state", r.operational_state);
  w.field_if("previous_state", previous_state);
  reading_facts(w, r);
  return w.end_object().str();
}

}  // namespace caas::telemetry
