#include "domain/vehicle.hpp"

#include "domain/vehicle_events.hpp"

#include <algorithm>

namespace caas::telemetry {

std::chrono::milliseconds Policy::timeout_for(const std::string& platform) const {
  auto it = platform_timeouts.find(platform);
  return it == platform_timeouts.end() ? offline_timeout : it->second;
}

std::string_view worst_severity(const std::vector<Diagnostic>& diagnostics) {
  std::string_view worst = "none";
  int rank = 0;
  for (const auto& d : diagnostics) {
    const int r = severity_rank(d.severity);
    if (r > rank) {
      rank = r;
      worst = kSeverities[r - 1];
    }
  }
  return worst;
}

namespace {

std::string basis(const std::string& vin, std::uint64_t seq) {
  return vin + "\n" + std::to_string(seq);
}

/// The vehicle goes offline at its deadline (shared by the sweeper's path and
/// a fresh reading that proves the silence after the fact).
void go_offline(Outcome& out, std::int64_t deadline_ms, const Policy& policy) {
  const auto timeout = policy.timeout_for(out.state.platform);
  auto& s = out.state;
  out.intervals.push_back({s.online_since_ms, deadline_ms});
  out.events.push_back({kTypeOffline,
                        offline_data(s.vin, deadline_ms, s.last_seen, s.deadline_seq, timeout.count(), s.platform),
                        vehicle_event_id(kTypeOffline, s.vin + "\n" + std::to_string(deadline_ms) + "\n" +
                                                           std::to_string(s.deadline_seq)),
                        deadline_ms});
  s.online = false;
  s.offline_since_ms = deadline_ms;
}

void connectivity(Outcome& out, bool first, const Reading& r, const Policy& policy) {
  auto& s = out.state;
  const auto timeout = policy.timeout_for(s.platform);
  const bool was_online = s.online;
  const std::int64_t old_deadline = s.deadline_ms;
  auto come_online = [&](std::int64_t since, std::int64_t offline_since, bool corrects) {
    s.online = true;
    s.online_since_ms = since;
    s.offline_since_ms = 0;
    out.intervals.push_back({since, std::nullopt});
    out.events.push_back({kTypeOnline, online_data(s.vin, since, r.seq, offline_since, corrects, s.platform),
                          vehicle_event_id(kTypeOnline, basis(s.vin, r.seq)), r.received_ms});
  };
  if (first) {
    come_online(r.received_ms, 0, false);
  } else if (s.online) {
    if (r.received_ms > s.deadline_ms) {
      // Silent past the deadline: offline then, online now, whether or not the
      // sweeper got there first (then the state is offline already, below).
      go_offline(out, s.deadline_ms, policy);
      come_online(r.received_ms, s.offline_since_ms, false);
    }
  } else if (r.received_ms > s.offline_since_ms) {
    come_online(r.received_ms, s.offline_since_ms, false);
  } else {
    // Received before the deadline the sweeper acted on, processed after it
    // (consumer lag beyond the grace): the vehicle was never silent. The
    // interval is reopened, so the log equals what a replay computes; the
    // offline event already sent is corrected by this online one.
    come_online(s.online_since_ms, s.offline_since_ms, true);
  }
  // A new interval starts its deadline afresh; otherwise the deadline only
  // moves forward (receipt times of two ingress replicas may be a little apart).
  const std::int64_t candidate = r.received_ms + timeout.count();
  if (s.online_since_ms == r.received_ms || candidate > s.deadline_ms) {
    s.deadline_ms = candidate;
    s.deadline_seq = r.seq;
  }
  if (was_online && old_deadline != s.deadline_ms) out.removed_deadline = old_deadline;
  if (!was_online || old_deadline != s.deadline_ms) out.added_deadline = s.deadline_ms;
}

void configuration(Outcome& out, bool first, const Reading& r) {
  auto& s = out.state;
  if (!r.configuration) return;
  if (s.configuration_reported && !first && *r.configuration == s.configuration) return;
  std::vector<std::string> changed;
  for (const auto& [name, value] : *r.configuration) {
    auto it = s.configuration.find(name);
    if (!s.configuration_reported || it == s.configuration.end() || it->second != value) changed.push_back(name);
  }
  for (const auto& [name, value] : s.configuration) {
    if (!r.configuration->contains(name)) changed.push_back(name);  // no longer reported
  }
  std::sort(changed.begin(), changed.end());
  s.configuration = *r.configuration;
  s.configuration_reported = true;
  out.events.push_back({kTypeConfigurationReported, configuration_data(r, s.configuration, changed),
                        vehicle_event_id(kTypeConfigurationReported, basis(s.vin, r.seq)), r.received_ms});
}

void diagnostics(Outcome& out, const Reading& r) {
  auto& s = out.state;
  if (!r.diagnostics) return;
  for (const auto& d : *r.diagnostics) {
    auto it = std::find_if(s.diagnostics.begin(), s.diagnostics.end(), [&](const auto& x) { return x.code == d.code; });
    if (it != s.diagnostics.end() && it->severity == d.severity) continue;
    const std::string previous = it == s.diagnostics.end() ? std::string() : it->severity;
    out.events.push_back({kTypeDiagnosticRaised, diagnostic_data(r, d, previous),
                          vehicle_event_id(kTypeDiagnosticRaised, basis(s.vin, r.seq) + "\n" + d.code), r.received_ms});
  }
  for (const auto& old : s.diagnostics) {
    const bool still =
        std::any_of(r.diagnostics->begin(), r.diagnostics->end(), [&](const auto& x) { return x.code == old.code; });
    if (still) continue;
    out.events.push_back({kTypeDiagnosticCleared, diagnostic_data(r, old, ""),
                          vehicle_event_id(kTypeDiagnosticCleared, basis(s.vin, r.seq) + "\n" + old.code),
                          r.received_ms});
  }
  s.diagnostics = *r.diagnostics;
  std::sort(s.diagnostics.begin(), s.diagnostics.end(), [](const auto& a, const auto& b) { return a.code < b.code; });
}

}  // namespace

Outcome apply_reading(const std::optional<VehicleState>& current, const Reading& r, const Policy& policy,
                      std::int32_t partition) {
  Outcome out;
  const bool first = !current.has_value();
  if (current) {
    out.state = *current;
  } else {
    out.state.vin = r.vin;
    out.state.window = SeqWindow(policy.dedup_window);
  }
  auto& s = out.state;
  out.verdict = s.window.admit(r.seq);
  if (out.verdict == SeqVerdict::duplicate || out.verdict == SeqVerdict::too_old) {
    out.state = current ? *current : out.state;
    return out;
  }
  ++s.readings;
  s.partition = partition;
  if (out.verdict == SeqVerdict::out_of_order) return out;

  if (!r.platform.empty()) s.platform = r.platform;
  // Before the latest fields move: an offline found now reports the last
  // reading heard before the silence.
  connectivity(out, first, r, policy);
  const std::string previous_state = first ? std::string() : s.operational_state;
  s.seq = r.seq;
  s.time = r.time;
  s.last_seen = r.received_at;
  s.last_seen_ms = r.received_ms;
  s.operational_state = r.operational_state;
  if (r.position) s.position = r.position;
  if (r.connectivity) s.connectivity = r.connectivity;
  if (first || previous_state != r.operational_state) {
    out.events.push_back({kTypeOperationalStateChanged, operational_state_data(r, previous_state),
                          vehicle_event_id(kTypeOperationalStateChanged, basis(s.vin, r.seq)), r.received_ms});
  }
  configuration(out, first, r);
  diagnostics(out, r);
  return out;
}

std::optional<Outcome> silence_passed(const VehicleState& current, std::int64_t deadline_ms, const Policy& policy) {
  if (!current.online || current.deadline_ms != deadline_ms) return std::nullopt;
  Outcome out;
  out.state = current;
  out.removed_deadline = deadline_ms;
  go_offline(out, deadline_ms, policy);
  return out;
}

}  // namespace caas::telemetry
