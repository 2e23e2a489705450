#include "domain/activation.hpp"

#include <caas/core/time.hpp>
#include <caas/events/json.hpp>

#include <algorithm>
#include <chrono>

namespace caas::ota {

namespace json = caas::events::json;

namespace {
constexpr int kMaxCommands = 100;  // ota.* schemas: attempts <= 100
constexpr int kMaxPendingWaits = 3;

std::string iso(std::int64_t ms) {
  return caas::format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}
}  // namespace

std::string_view to_string(Operation o) {
  return o == Operation::activation ? "activation" : "deactivation";
}

std::string_view to_string(State s) {
  switch (s) {
    case State::requested:
      return "REQUESTED";
    case State::sent:
      return "SENT";
    case State::retry_wait:
      return "RETRY_WAIT";
    case State::waiting_online:
      return "WAITING_ONLINE";
    case State::verifying:
      return "VERIFYING";
    case State::recovering:
      return "RECOVERING";
    case State::active:
      return "ACTIVE";
    case State::escalated:
      return "ESCALATED";
    case State::deactivated:
      return "DEACTIVATED";
  }
  return "REQUESTED";
}

std::string_view to_string(AttemptKind k) {
  switch (k) {
    case AttemptKind::normal:
      return "activation";
    case AttemptKind::recovery_deactivate:
      return "recovery-deactivate";
    case AttemptKind::recovery_reactivate:
      return "recovery-reactivate";
  }
  return "activation";
}

std::string_view to_string(TimerPurpose p) {
  switch (p) {
    case TimerPurpose::none:
      return "none";
    case TimerPurpose::ack_timeout:
      return "ack_timeout";
    case TimerPurpose::retry:
      return "retry";
    case TimerPurpose::repost:
      return "repost";
    case TimerPurpose::offline_deadline:
      return "offline_deadline";
    case TimerPurpose::status_timeout:
      return "status_timeout";
    case TimerPurpose::online_check:
      return "online_check";
  }
  return "none";
}

std::optional<Operation> parse_operation(std::string_view s) {
  if (s == "activation") return Operation::activation;
  if (s == "deactivation") return Operation::deactivation;
  return std::nullopt;
}

std::optional<State> parse_state(std::string_view s) {
  for (auto st : {State::requested, State::sent, State::retry_wait, State::waiting_online, State::verifying,
                  State::recovering, State::active, State::escalated, State::deactivated}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

namespace {
std::optional<AttemptKind> parse_kind(std::string_view s) {
  for (auto k : {AttemptKind::normal, AttemptKind::recovery_deactivate, AttemptKind::recovery_reactivate}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}
std::optional<TimerPurpose> parse_purpose(std::string_view s) {
  for (auto p : {TimerPurpose::none, TimerPurpose::ack_timeout, TimerPurpose::retry, TimerPurpose::repost,
                 TimerPurpose::offline_deadline, TimerPurpose::status_timeout, TimerPurpose::online_check}) {
    if (to_string(p) == s) return p;
  }
  return std::nullopt;
}
}  // namespace

bool terminal(State s) {
  return s == State::active || s == State::escalated || s == State::deactivated;
}

std::optional<std::pair<std::string, int>> split_command_id(std::string_view command_id) {
  const auto dot = command_id.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= command_id.size()) return std::nullopt;
  int n = 0;
  for (auto c : command_id.substr(dot + 1)) {
    if (c < '0' || c > '9' || n > 1000) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < 1) return std::nullopt;
  return std::pair{std::string(command_id.substr(0, dot)), n};
}

std::optional<StatusSnapshot> parse_status(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  StatusSnapshot s;
  s.ok = true;
  s.raw_json = std::string(text);
  if (const auto* c = json::member(*doc, "configuration")) {
    auto p = params_from_json(*c);
    if (!p) return std::nullopt;
    s.configuration = std::move(*p);
  }
  if (const auto* conn = json::member(*doc, "connectivity")) s.online = json::boolean(*conn, "online", true);
  if (const auto* pending = json::member(*doc, "pending_commands"); pending && pending->IsArray()) {
    for (const auto& p : pending->GetArray()) s.pending.emplace_back(json::str(p, "command_id"), json::str(p, "state"));
  }
  return s;
}

Activation make_activation(std::string id, std::string vin, std::string customer_id, const ServiceDefinition& service,
                           const std::string& platform, Operation op, std::string payment_authorization,
                           std::int64_t now) {
  Activation a;
  a.id = std::move(id);
  a.vin = std::move(vin);
  a.customer_id = std::move(customer_id);
  a.service_code = service.code;
  a.service_name = service.name;
  a.platform = platform;
  a.operation = op;
  a.payment_authorization = std::move(payment_authorization);
  a.price_reference = service.price.reference;
  a.amount = service.price.amount;
  a.currency = service.price.currency;
  a.period = service.price.period;
  a.policy = service.policy;
  if (auto it = service.platforms.find(platform); it != service.platforms.end()) {
    a.desired = op == Operation::activation ? it->second.activation : it->second.deactivation;
    a.opposite = op == Operation::activation ? it->second.deactivation : it->second.activation;
  }
  a.created_ms = a.updated_ms = now;
  a.deadline_ms = now + a.policy.offline_deadline_ms;
  return a;
}

// ---------------------------------------------------------------- the engine

void Engine::arm(Activation& a, TimerPurpose purpose, std::int64_t due) const {
  a.timer.seq += 1;
  a.timer.purpose = purpose;
  a.timer.due_ms = purpose == TimerPurpose::none ? 0 : due;
}

Effects Engine::start(Activation& a, Vehicle& v, std::int64_t now) const {
  Effects fx;
  if (a.state != State::requested) return fx;
  a.updated_ms = now;
  send(a, v, AttemptKind::normal, now, fx);
  return fx;
}

void Engine::send(Activation& a, Vehicle& v, AttemptKind kind, std::int64_t now, Effects& fx) const {
  if (static_cast<int>(a.attempts.size()) >= kMaxCommands) {
    escalate(a, "RETRIES_EXHAUSTED", now, fx);
    return;
  }
  if (!v.online) {
    wait_online(a, now, fx);
    return;
  }
  Attempt at;
  at.number = static_cast<int>(a.attempts.size()) + 1;
  at.command_id = a.id + "." + std::to_string(at.number);
  at.kind = kind;
  at.parameters = kind == AttemptKind::recovery_deactivate ? a.opposite : a.desired;
  at.sent_at_ms = now;
  a.attempts.push_back(at);
  a.state = kind == AttemptKind::normal ? State::sent : State::recovering;
  a.pending_waits = 0;
  arm(a, TimerPurpose::ack_timeout, now + a.policy.attempt_timeout_ms);
  fx.posts.push_back(PostCommand{a.id, a.vin, at.number, at.command_id, at.parameters, a.timer.seq});
  fx.started_attempt = true;
}

void Engine::wait_online(Activation& a, std::int64_t now, Effects& fx) const {
  if (now >= a.deadline_ms) {
    escalate(a, "OFFLINE_DEADLINE", now, fx);
    return;
  }
  a.state = State::waiting_online;
  // vehicle.online ends the wait; a status query every retry interval also
  // does (a vehicle back without telemetry), and the overall deadline bounds it.
  const auto check = now + a.policy.interval_ms;
  if (check < a.deadline_ms) {
    arm(a, TimerPurpose::online_check, check);
  } else {
    arm(a, TimerPurpose::offline_deadline, a.deadline_ms);
  }
}

void Engine::fail_attempt(Activation& a, Vehicle& v, const std::string& outcome, std::int64_t delay_ms,
                          std::int64_t now, Effects& fx) const {
  (void)v;
  if (auto* at = a.current()) {
    at->outcome = outcome;
    at->done = true;
    if (at->counts) ++a.spent;
  }
  if (a.spent >= a.policy.max_attempts) {
    escalate(a, "RETRIES_EXHAUSTED", now, fx);
    return;
  }
  a.state = State::retry_wait;
  arm(a, TimerPurpose::retry, now + delay_ms);
}

void Engine::query(Activation& a, const std::string& purpose, std::int64_t now, Effects& fx) const {
  a.state = State::verifying;
  a.query_purpose = purpose;
  a.query_seq += 1;
  arm(a, TimerPurpose::status_timeout, now + a.policy.status_timeout_ms);
  const auto* at = a.current();
  fx.queries.push_back(StatusQuery{a.id, a.vin, at ? at->number : 0, purpose, a.query_seq});
}

void Engine::escalate(Activation& a, const std::string& reason, std::int64_t now, Effects& fx) const {
  if (a.reason.empty()) a.reason = reason;
  // The proactive status query: its answer goes into the diagnostic package.
  query(a, "escalate", now, fx);
}

void Engine::finish_escalation(Activation& a, std::int64_t now, Effects& fx) const {
  a.state = State::escalated;
  a.finished_ms = a.updated_ms = now;
  if (a.reason.empty()) a.reason = "RETRIES_EXHAUSTED";
  for (auto it = a.attempts.rbegin(); it != a.attempts.rend(); ++it) {
    if (!it->error_code.empty()) {
      a.last_error_code = it->error_code;
      break;
    }
  }
  arm(a, TimerPurpose::none, 0);
  fx.finished = true;
}

void Engine::confirm(Activation& a, Vehicle& v, const std::string& by, std::int64_t now, Effects& fx) const {
  a.state = a.operation == Operation::activation ? State::active : State::deactivated;
  a.confirmed_by = by;
  a.finished_ms = a.updated_ms = now;
  arm(a, TimerPurpose::none, 0);
  if (a.operation == Operation::activation) {
    v.active[a.service_code] = a.id;
  } else {
    v.active.erase(a.service_code);
  }
  fx.finished = true;
}

void Engine::applied(Activation& a, Vehicle& v, Attempt& at, const Params& reported, const std::string& by,
                     std::int64_t now, Effects& fx) const {
  for (const auto& [k, val] : reported) v.reported[k] = val;
  at.done = true;
  if (at.kind == AttemptKind::recovery_deactivate) {
    at.outcome = "applied";
    send(a, v, AttemptKind::recovery_reactivate, now, fx);
    return;
  }
  if (matches(a.desired, reported)) {
    at.outcome = "applied";
    confirm(a, v, by, now, fx);
    return;
  }
  at.outcome = "partial";
  at.error_code = "PARTIAL_ACTIVATION";
  if (!a.recovery_used && at.kind == AttemptKind::normal) {
    a.recovery_used = true;  // deactivate + reactivate, once
    send(a, v, AttemptKind::recovery_deactivate, now, fx);
    return;
  }
  escalate(a, "PARTIAL_ACTIVATION", now, fx);
}

Effects Engine::on_posted(Activation& a, Vehicle& v, const PostResult& r, std::int64_t now) const {
  Effects fx;
  if (terminal(a.state) || r.attempt != static_cast<int>(a.attempts.size())) return fx;
  auto& at = a.attempts.back();
  at.posted = true;
  if (at.done) return fx;
  a.updated_ms = now;
  const bool in_flight = a.state == State::sent || a.state == State::recovering;
  if (r.outcome == "accepted" || r.outcome == "duplicate") {
    if (at.outcome == "rate_limited") at.outcome = "pending";
  } else if (r.outcome == "held") {
    at.held = true;
    v.online = false;
    if (in_flight) wait_online(a, now, fx);
  } else if (r.outcome == "rate_limited") {
    // The API IoT did not take the command: the same attempt is posted again later.
    at.outcome = "rate_limited";
    if (in_flight) arm(a, TimerPurpose::repost, now + std::max<std::int64_t>(r.retry_after_ms, 1));
  } else if (r.outcome == "network_error" || r.outcome == "server_error") {
    at.error_code = r.outcome == "server_error" ? "HTTP_" + std::to_string(r.http_status) : "NETWORK_ERROR";
    if (in_flight) fail_attempt(a, v, "network_error", a.policy.network_retry_ms, now, fx);
  } else if (r.outcome == "not_found") {
    at.outcome = "rejected";
    at.error_code = "VEHICLE_NOT_FOUND";
    at.done = true;
    a.reason = "UNKNOWN_VEHICLE";
    finish_escalation(a, now, fx);
  } else {  // client_error
    at.outcome = "rejected";
    at.error_code = "HTTP_" + std::to_string(r.http_status);
    at.done = true;
    escalate(a, "REJECTED", now, fx);
  }
  return fx;
}

Effects Engine::on_ack(Activation& a, Vehicle& v, const Acknowledgement& ack, int n, std::int64_t now) const {
  Effects fx;
  if (terminal(a.state) || n < 1 || n > static_cast<int>(a.attempts.size())) return fx;
  auto& at = a.attempts[static_cast<std::size_t>(n - 1)];
  const bool current = n == static_cast<int>(a.attempts.size());
  if (at.acknowledged_at_ms == 0) at.acknowledged_at_ms = now;
  a.updated_ms = now;
  if (ack.result == "ACCEPTED") {
    at.accepted = true;
    if (at.outcome == "pending" || at.outcome == "rate_limited") at.outcome = "accepted";
    if (!current || at.done) return fx;
    at.held = false;
    v.online = true;
    if (a.state == State::waiting_online || a.state == State::sent || a.state == State::recovering) {
      a.state = at.kind == AttemptKind::normal ? State::sent : State::recovering;
      arm(a, TimerPurpose::ack_timeout, now + a.policy.attempt_timeout_ms);
    }
    return fx;
  }
  if (ack.result == "APPLIED") {
    if (at.done && at.outcome != "timeout" && at.outcome != "not_received" && at.outcome != "network_error") return fx;
    if (!current) {
      // A late result of an earlier attempt: it still proves the configuration.
      at.done = true;
      if (at.kind != AttemptKind::recovery_deactivate && ack.reported && matches(a.desired, *ack.reported)) {
        at.outcome = "applied";
        for (const auto& [k, val] : *ack.reported) v.reported[k] = val;
        confirm(a, v, "acknowledgement", now, fx);
      } else {
        at.outcome = ack.reported && !matches(at.parameters, *ack.reported) ? "partial" : "applied";
      }
      return fx;
    }
    v.online = true;
    if (!ack.reported || ack.reported->empty()) {
      at.outcome = "applied";
      query(a, "verify", now, fx);  // APPLIED alone is not a confirmation
      return fx;
    }
    applied(a, v, at, *ack.reported, "acknowledgement", now, fx);
    return fx;
  }
  if (ack.result == "REJECTED") {
    at.outcome = "rejected";
    at.error_code = ack.error_code.empty() ? "CONFIGURATION_REJECTED" : ack.error_code;
    at.done = true;
    a.last_error_code = at.error_code;
    if (current && a.state != State::verifying) escalate(a, "REJECTED", now, fx);
    return fx;
  }
  // FAILED
  at.done = true;
  at.error_code = ack.error_code.empty() ? "FAILED" : ack.error_code;
  if (ack.error_code == "VEHICLE_OFFLINE") {
    at.outcome = "offline";
    at.counts = false;  // time offline does not spend attempts
    if (!current || a.state == State::verifying) return fx;
    v.online = false;
    wait_online(a, now, fx);
    return fx;
  }
  at.outcome = "firmware_error";
  a.last_error_code = at.error_code;
  if (current) escalate(a, "FIRMWARE_ERROR", now, fx);  // at once: no retry
  return fx;
}

Effects Engine::on_status(Activation& a, Vehicle& v, const StatusSnapshot& s, std::int64_t now) const {
  Effects fx;
  if (a.state != State::verifying || s.query_seq != a.query_seq) return fx;
  a.updated_ms = now;
  auto* at = a.current();
  if (!s.ok) {
    if (++a.query_failures < max_status_failures_) {
      query(a, a.query_purpose, now, fx);
      return fx;
    }
    a.query_failures = 0;
    if (a.query_purpose == "online") {  // cannot tell: keep waiting (the deadline still bounds it)
      wait_online(a, now, fx);
      return fx;
    }
    if (a.query_purpose == "escalate" || !at) {
      finish_escalation(a, now, fx);
    } else {
      fail_attempt(a, v, "timeout", a.policy.retry_delay_ms(a.spent + 1), now, fx);
    }
    return fx;
  }
  a.query_failures = 0;
  a.last_status_json = s.raw_json;
  for (const auto& [k, val] : s.configuration) v.reported[k] = val;
  v.reported_at_ms = now;
  v.online = s.online;
  if (a.query_purpose == "escalate") {
    finish_escalation(a, now, fx);
    return fx;
  }
  if (a.query_purpose == "online") {
    if (!s.online) {
      wait_online(a, now, fx);
      return fx;
    }
    const bool ours_pending =
        at && std::any_of(s.pending.begin(), s.pending.end(), [&](const auto& p) { return p.first == at->command_id; });
    if (at && !at->done && !ours_pending && at->kind != AttemptKind::recovery_deactivate &&
        matches(a.desired, s.configuration)) {
      at->outcome = "confirmed_by_status";  // applied while we were not told
      at->done = true;
      confirm(a, v, "status-query", now, fx);
      return fx;
    }
    if (at && !at->done && ours_pending) {
      a.state = at->kind == AttemptKind::normal ? State::sent : State::recovering;
      arm(a, TimerPurpose::ack_timeout, now + a.policy.attempt_timeout_ms);
      return fx;
    }
    if (at && !at->done) {  // the held command is gone (its time to live passed): costs no attempt
      at->outcome = "offline";
      at->counts = false;
      at->done = true;
    }
    resume(a, v, now, fx);
    return fx;
  }
  if (!at) {
    finish_escalation(a, now, fx);
    return fx;
  }
  const auto pending =
      std::find_if(s.pending.begin(), s.pending.end(), [&](const auto& p) { return p.first == at->command_id; });
  if (pending != s.pending.end()) {
    if (pending->second == "HELD" || !s.online) {
      at->held = true;
      wait_online(a, now, fx);
      return fx;
    }
    if (++a.pending_waits <= kMaxPendingWaits) {  // being applied: wait once more
      a.state = at->kind == AttemptKind::normal ? State::sent : State::recovering;
      arm(a, TimerPurpose::ack_timeout, now + a.policy.attempt_timeout_ms);
      return fx;
    }
    fail_attempt(a, v, "timeout", a.policy.retry_delay_ms(a.spent + 1), now, fx);
    return fx;
  }
  const Params& target = at->kind == AttemptKind::recovery_deactivate ? a.opposite : a.desired;
  if (matches(target, s.configuration)) {
    at->done = true;
    if (at->kind == AttemptKind::recovery_deactivate) {
      at->outcome = "applied";
      send(a, v, AttemptKind::recovery_reactivate, now, fx);
      return fx;
    }
    // The desired configuration is there: the acknowledgement was lost. No second command.
    at->outcome = a.query_purpose == "verify" ? "applied" : "confirmed_by_status";
    confirm(a, v, "status-query", now, fx);
    return fx;
  }
  if (a.query_purpose == "verify") {  // APPLIED, but not what we asked for: partial
    Params reported;
    for (const auto& [k, val] : at->parameters) {
      if (auto it = s.configuration.find(k); it != s.configuration.end()) reported[k] = it->second;
    }
    applied(a, v, *at, reported, "status-query", now, fx);
    return fx;
  }
  if (!s.online) {
    at->outcome = "offline";
    at->counts = false;
    at->done = true;
    wait_online(a, now, fx);
    return fx;
  }
  fail_attempt(a, v, at->accepted ? "timeout" : "not_received", a.policy.retry_delay_ms(a.spent + 1), now, fx);
  return fx;
}

Effects Engine::on_timer(Activation& a, Vehicle& v, std::uint64_t seq, std::int64_t now) const {
  Effects fx;
  if (terminal(a.state) || seq != a.timer.seq || a.timer.purpose == TimerPurpose::none) return fx;
  a.updated_ms = now;
  switch (a.timer.purpose) {
    case TimerPurpose::ack_timeout:
      query(a, "timeout", now, fx);  // before resending: was it applied and the acknowledgement lost?
      break;
    case TimerPurpose::retry:
      send(a, v, AttemptKind::normal, now, fx);
      break;
    case TimerPurpose::repost: {
      auto& at = a.attempts.back();
      arm(a, TimerPurpose::ack_timeout, now + a.policy.attempt_timeout_ms);
      fx.posts.push_back(PostCommand{a.id, a.vin, at.number, at.command_id, at.parameters, a.timer.seq});
      break;
    }
    case TimerPurpose::offline_deadline:
      escalate(a, "OFFLINE_DEADLINE", now, fx);
      break;
    case TimerPurpose::online_check:
      query(a, "online", now, fx);
      break;
    case TimerPurpose::status_timeout: {
      StatusSnapshot failed;
      failed.ok = false;
      failed.query_seq = a.query_seq;
      failed.error = "no answer within the status timeout";
      return on_status(a, v, failed, now);
    }
    case TimerPurpose::none:
      break;
  }
  return fx;
}

Effects Engine::on_online(Activation& a, Vehicle& v, std::int64_t now) const {
  Effects fx;
  v.online = true;
  if (a.state != State::waiting_online) return fx;
  a.updated_ms = now;
  auto* at = a.current();
  if (at && at->held && !at->done) {
    // The API IoT delivers the held command now; wait for its result.
    a.state = at->kind == AttemptKind::normal ? State::sent : State::recovering;
    arm(a, TimerPurpose::ack_timeout, now + a.policy.attempt_timeout_ms);
    return fx;
  }
  resume(a, v, now, fx);
  return fx;
}

void Engine::resume(Activation& a, Vehicle& v, std::int64_t now, Effects& fx) const {
  v.online = true;
  const auto* at = a.current();
  const bool reactivate = at && at->kind == AttemptKind::recovery_deactivate && at->outcome == "applied";
  send(a, v, reactivate ? AttemptKind::recovery_reactivate : AttemptKind::normal, now, fx);
}

Effects Engine::on_configuration(Activation& a, Vehicle& v, const Params& reported, std::int64_t now) const {
  Effects fx;
  for (const auto& [k, val] : reported) v.reported[k] = val;
  v.reported_at_ms = now;
  if (a.state != State::verifying || a.query_purpose != "verify") return fx;
  auto* at = a.current();
  if (!at || at->kind == AttemptKind::recovery_deactivate || !matches(a.desired, v.reported)) return fx;
  at->outcome = "applied";
  at->done = true;
  confirm(a, v, "reported-configuration", now, fx);
  return fx;
}

// ---------------------------------------------------------------- codecs

namespace {

void write_attempt(json::Writer& w, const Attempt& at, bool full) {
  w.begin_object();
  w.field("attempt", at.number).field("command_id", at.command_id).field("kind", to_string(at.kind));
  w.field("sent_at", iso(at.sent_at_ms)).field("outcome", at.outcome);
  w.field_or_null("error_code", at.error_code);
  w.key("acknowledged_at");
  if (at.acknowledged_at_ms) {
    w.value(iso(at.acknowledged_at_ms));
  } else {
    w.null();
  }
  w.key("parameters");
  write_params(w, at.parameters);
  if (full) {
    w.field("sent_at_ms", at.sent_at_ms).field("acknowledged_at_ms", at.acknowledged_at_ms);
    w.field("counts", at.counts).field("posted", at.posted).field("held", at.held);
    w.field("accepted", at.accepted).field("done", at.done);
  }
  w.end_object();
}

std::int64_t i64(const rapidjson::Value& v, const char* k) {
  return json::int64(v, k).value_or(0);
}

Params params_of(const rapidjson::Value& v, const char* k) {
  const auto* m = json::member(v, k);
  if (!m) return {};
  return params_from_json(*m).value_or(Params{});
}

}  // namespace

void write_attempts(json::Writer& w, const Activation& a) {
  w.begin_array();
  for (const auto& at : a.attempts) write_attempt(w, at, false);
  w.end_array();
}

std::string encode(const Activation& a) {
  json::Writer w;
  w.begin_object();
  w.field("id", a.id).field("vin", a.vin).field("customer_id", a.customer_id);
  w.field("service_code", a.service_code).field("service_name", a.service_name).field("platform", a.platform);
  w.field("operation", to_string(a.operation)).field("payment_authorization", a.payment_authorization);
  w.field("idempotency_key", a.idempotency_key).field("requested_by", a.requested_by);
  w.field("price_reference", a.price_reference).field("amount", a.amount).field("currency", a.currency);
  w.field("period", a.period);
  w.key("desired");
  write_params(w, a.desired);
  w.key("opposite");
  write_params(w, a.opposite);
  w.key("policy").begin_object();
  w.field("max_attempts", a.policy.max_attempts).field("interval_ms", a.policy.interval_ms);
  w.field("exponential", a.policy.exponential).field("attempt_timeout_ms", a.policy.attempt_timeout_ms);
  w.field("network_retry_ms", a.policy.network_retry_ms).field("status_timeout_ms", a.policy.status_timeout_ms);
  w.field("offline_deadline_ms", a.policy.offline_deadline_ms);
  w.end_object();
  w.field("state", to_string(a.state)).field("created_ms", a.created_ms).field("updated_ms", a.updated_ms);
  w.field("deadline_ms", a.deadline_ms).field("finished_ms", a.finished_ms);
  w.key("attempts").begin_array();
  for (const auto& at : a.attempts) write_attempt(w, at, true);
  w.end_array();
  w.field("spent", a.spent).field("recovery_used", a.recovery_used);
  w.key("timer").begin_object();
  w.field("seq", static_cast<std::int64_t>(a.timer.seq)).field("due_ms", a.timer.due_ms);
  w.field("purpose", to_string(a.timer.purpose));
  w.end_object();
  w.field("query_purpose", a.query_purpose).field("query_seq", static_cast<std::int64_t>(a.query_seq));
  w.field("query_failures", a.query_failures).field("pending_waits", a.pending_waits);
  w.field("reason", a.reason).field("last_error_code", a.last_error_code).field("confirmed_by", a.confirmed_by);
  w.field("last_status_json", a.last_status_json);
  w.end_object();
  return w.str();
}

std::optional<Activation> decode_activation(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  const auto& d = *doc;
  Activation a;
  a.id = json::str(d, "id");
  a.vin = json::str(d, "vin");
  a.customer_id = json::str(d, "customer_id");
  a.service_code = json::str(d, "service_code");
  a.service_name = json::str(d, "service_name");
  a.platform = json::str(d, "platform");
  a.operation = parse_operation(json::str(d, "operation")).value_or(Operation::activation);
  a.payment_authorization = json::str(d, "payment_authorization");
  a.idempotency_key = json::str(d, "idempotency_key");
  a.requested_by = json::str(d, "requested_by");
  a.price_reference = json::str(d, "price_reference");
  a.amount = json::str(d, "amount");
  a.currency = json::str(d, "currency");
  a.period = json::str(d, "period");
  a.desired = params_of(d, "desired");
  a.opposite = params_of(d, "opposite");
  if (const auto* p = json::member(d, "policy")) {
    a.policy.max_attempts = static_cast<int>(i64(*p, "max_attempts"));
    a.policy.interval_ms = i64(*p, "interval_ms");
    a.policy.exponential = json::boolean(*p, "exponential");
    a.policy.attempt_timeout_ms = i64(*p, "attempt_timeout_ms");
    a.policy.network_retry_ms = i64(*p, "network_retry_ms");
    a.policy.status_timeout_ms = i64(*p, "status_timeout_ms");
    a.policy.offline_deadline_ms = i64(*p, "offline_deadline_ms");
  }
  auto state = parse_state(json::str(d, "state"));
  if (a.id.empty() || !state) return std::nullopt;
  a.state = *state;
  a.created_ms = i64(d, "created_ms");
  a.updated_ms = i64(d, "updated_ms");
  a.deadline_ms = i64(d, "deadline_ms");
  a.finished_ms = i64(d, "finished_ms");
  if (const auto* list = json::member(d, "attempts"); list && list->IsArray()) {
    for (const auto& x : list->GetArray()) {
      Attempt at;
      at.number = static_cast<int>(i64(x, "attempt"));
      at.command_id = json::str(x, "command_id");
      at.kind = parse_kind(json::str(x, "kind")).value_or(AttemptKind::normal);
      at.parameters = params_of(x, "parameters");
      at.sent_at_ms = i64(x, "sent_at_ms");
      at.outcome = json::str(x, "outcome");
      at.error_code = json::str(x, "error_code");
      at.acknowledged_at_ms = i64(x, "acknowledged_at_ms");
      at.counts = json::boolean(x, "counts", true);
      at.posted = json::boolean(x, "posted");
      at.held = json::boolean(x, "held");
      at.accepted = json::boolean(x, "accepted");
      at.done = json::boolean(x, "done");
      a.attempts.push_back(std::move(at));
    }
  }
  a.spent = static_cast<int>(i64(d, "spent"));
  a.recovery_used = json::boolean(d, "recovery_used");
  if (const auto* t = json::member(d, "timer")) {
    a.timer.seq = static_cast<std::uint64_t>(i64(*t, "seq"));
    a.timer.due_ms = i64(*t, "due_ms");
    a.timer.purpose = parse_purpose(json::str(*t, "purpose")).value_or(TimerPurpose::none);
  }
  a.query_purpose = json::str(d, "query_purpose");
  a.query_seq = static_cast<std::uint64_t>(i64(d, "query_seq"));
  a.query_failures = static_cast<int>(i64(d, "query_failures"));
  a.pending_waits = static_cast<int>(i64(d, "pending_waits"));
  a.reason = json::str(d, "reason");
  a.last_error_code = json::str(d, "last_error_code");
  a.confirmed_by = json::str(d, "confirmed_by");
  a.last_status_json = json::str(d, "last_status_json");
  return a;
}

std::string encode(const Vehicle& v) {
  json::Writer w;
  w.begin_object();
  w.field("vin", v.vin).field("online", v.online).field("connectivity_changed_ms", v.connectivity_changed_ms);
  w.key("reported");
  write_params(w, v.reported);
  w.field("reported_at_ms", v.reported_at_ms);
  w.key("queue").begin_array();
  for (const auto& id : v.queue) w.value(id);
  w.end_array();
  w.string_array("history", v.history);
  w.key("active").begin_object();
  for (const auto& [code, id] : v.active) w.field(code, id);
  w.end_object();
  w.end_object();
  return w.str();
}

std::optional<Vehicle> decode_vehicle(std::string_view text) {
  auto doc = events::parse_strict_json(text);
  if (!doc || !doc->IsObject()) return std::nullopt;
  const auto& d = *doc;
  Vehicle v;
  v.vin = json::str(d, "vin");
  v.online = json::boolean(d, "online", true);
  v.connectivity_changed_ms = i64(d, "connectivity_changed_ms");
  v.reported = params_of(d, "reported");
  v.reported_at_ms = i64(d, "reported_at_ms");
  for (auto& id : json::strings(d, "queue")) v.queue.push_back(std::move(id));
  v.history = json::strings(d, "history");
  if (const auto* act = json::member(d, "active"); act && act->IsObject()) {
    for (const auto& m : act->GetObject()) {
      if (m.value.IsString()) v.active[m.name.GetString()] = m.value.GetString();
    }
  }
  return v;
}

std::string activation_view(const Activation& a) {
  json::Writer w;
  w.begin_object();
  w.field("activation_id", a.id).field("vin", a.vin).field("customer_id", a.customer_id);
  w.field("service_code", a.service_code).field("service_name", a.service_name).field("platform", a.platform);
  w.field("operation", to_string(a.operation)).field("state", to_string(a.state));
  w.key("attempts");
  write_attempts(w, a);
  w.field("created_at", iso(a.created_ms)).field("updated_at", iso(a.updated_ms));
  w.field_or_null("reason", a.reason).field_or_null("confirmed_by", a.confirmed_by);
  w.field_or_null("last_error_code", a.last_error_code);
  w.field_or_null("payment_authorization", a.payment_authorization);
  w.key("desired");
  write_params(w, a.desired);
  w.field("deadline_at", iso(a.deadline_ms));
  w.end_object();
  return w.str();
}

}  // namespace caas::ota
