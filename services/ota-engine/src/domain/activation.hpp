#pragma once
// The durable per-activation state machine (issue 14, seed 004 "Retry Logic
// and Failure Handling", "Failure Scenarios and Handling", "Failure
// Escalation"). Pure: no clock (every input carries its instant, the time of
// the record that brought it, so a replay decides the same), no I/O (what to
// send is returned as Effects and executed by the app once the new state is
// committed).

#include "domain/catalogue.hpp"
#include "domain/params.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace caas::ota {

enum class Operation { activation, deactivation };
enum class State { requested, sent, retry_wait, waiting_online, verifying, recovering, active, escalated, deactivated };
enum class AttemptKind { normal, recovery_deactivate, recovery_reactivate };
enum class TimerPurpose { none, ack_timeout, retry, repost, offline_deadline, status_timeout, online_check };

std::string_view to_string(Operation o);
std::string_view to_string(State s);
std::string_view to_string(AttemptKind k);
std::string_view to_string(TimerPurpose p);
std::optional<Operation> parse_operation(std::string_view s);
std::optional<State> parse_state(std::string_view s);
bool terminal(State s);

struct Attempt {
  int number = 0;
  std::string command_id;  // "<activation id>.<number>": unique per attempt
  AttemptKind kind = AttemptKind::normal;
  Params parameters;
  std::int64_t sent_at_ms = 0;
  std::string outcome = "pending";
  std::string error_code;
  std::int64_t acknowledged_at_ms = 0;
  bool counts = true;     // spends one of the policy's attempts (offline waits do not)
  bool posted = false;    // the API IoT answered the POST (any answer)
  bool held = false;      // the API IoT holds it until the vehicle is back
  bool accepted = false;  // ACCEPTED acknowledgement seen
  bool done = false;      // its result is known (applied, rejected, failed, timed out)
};

struct Timer {
  std::uint64_t seq = 0;  // fired timers carry it; a stale one is ignored
  std::int64_t due_ms = 0;
  TimerPurpose purpose = TimerPurpose::none;
};

struct Activation {
  std::string id;
  std::string vin;
  std::string customer_id;
  std::string service_code;
  std::string service_name;
  std::string platform;
  Operation operation = Operation::activation;
  std::string payment_authorization;
  std::string idempotency_key;
  std::string requested_by;
  std::string price_reference, amount, currency, period;
  Params desired;
  Params opposite;  // the other values: the first half of a partial recovery
  RetryPolicy policy;
  State state = State::requested;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t deadline_ms = 0;  // overall deadline (offline waits)
  std::int64_t finished_ms = 0;
  std::vector<Attempt> attempts;
  int spent = 0;  // counted failures
  bool recovery_used = false;
  Timer timer;
  std::string query_purpose;  // timeout | verify | escalate | online, while VERIFYING
  std::uint64_t query_seq = 0;
  int query_failures = 0;
  int pending_waits = 0;  // status showed our command still pending
  std::string reason;     // escalation reason
  std::string last_error_code;
  std::string confirmed_by;
  std::string last_status_json;  // the last GET status answer (diagnostics)

  const Attempt* current() const { return attempts.empty() ? nullptr : &attempts.back(); }
  Attempt* current() { return attempts.empty() ? nullptr : &attempts.back(); }
};

/// What the engine knows of a vehicle (key VIN).
struct Vehicle {
  std::string vin;
  bool online = true;  // until told otherwise (vehicle.offline, HELD, FAILED VEHICLE_OFFLINE)
  std::int64_t connectivity_changed_ms = 0;
  Params reported;  // last reported configuration (telemetry, acknowledgements, status)
  std::int64_t reported_at_ms = 0;
  std::deque<std::string> queue;              // activation ids in arrival order; the head is in flight
  std::vector<std::string> history;           // every activation id, oldest first (the audit log)
  std::map<std::string, std::string> active;  // service code -> activation id that made it active
};

struct PostCommand {
  std::string activation_id;
  std::string vin;
  int attempt = 0;
  std::string command_id;
  Params parameters;
  std::uint64_t token = 0;  // timer seq at the time (reposts are told apart)
};

struct StatusQuery {
  std::string activation_id;
  std::string vin;
  int attempt = 0;
  std::string purpose;
  std::uint64_t query_seq = 0;
};

struct Effects {
  std::vector<PostCommand> posts;
  std::vector<StatusQuery> queries;
  bool finished = false;         // the activation reached a terminal state now
  bool started_attempt = false;  // a new attempt (command) was created
};

// ---- inputs ----

struct PostResult {
  int attempt = 0;
  std::string
      outcome;  // accepted | held | duplicate | rate_limited | network_error | server_error | client_error | not_found
  int http_status = 0;
  std::int64_t retry_after_ms = 0;
  std::string error;
};

struct Acknowledgement {
  std::string command_id;
  std::string result;  // ACCEPTED | APPLIED | REJECTED | FAILED
  std::string error_code;
  std::optional<Params> reported;
};

struct StatusSnapshot {
  bool ok = false;
  std::string purpose;
  std::uint64_t query_seq = 0;
  std::string error;
  Params configuration;
  bool online = true;
  std::vector<std::pair<std::string, std::string>> pending;  // command id, HELD | APPLYING
  std::string raw_json;                                      // the whole answer, kept for the diagnostic package
};

/// Parses the API IoT's GET status answer (DESIGN.md §2).
std::optional<StatusSnapshot> parse_status(std::string_view json);

/// The attempt number encoded in a command id "<activation id>.<n>"; nullopt for foreign ids.
std::optional<std::pair<std::string, int>> split_command_id(std::string_view command_id);

class Engine {
 public:
  explicit Engine(int max_status_failures = 3) : max_status_failures_(max_status_failures) {}

  /// Head of the vehicle's queue: the first attempt (or the offline wait).
  Effects start(Activation& a, Vehicle& v, std::int64_t now) const;
  Effects on_posted(Activation& a, Vehicle& v, const PostResult& r, std::int64_t now) const;
  Effects on_ack(Activation& a, Vehicle& v, const Acknowledgement& ack, int attempt, std::int64_t now) const;
  Effects on_status(Activation& a, Vehicle& v, const StatusSnapshot& s, std::int64_t now) const;
  Effects on_timer(Activation& a, Vehicle& v, std::uint64_t seq, std::int64_t now) const;
  Effects on_online(Activation& a, Vehicle& v, std::int64_t now) const;
  Effects on_configuration(Activation& a, Vehicle& v, const Params& reported, std::int64_t now) const;

 private:
  void send(Activation& a, Vehicle& v, AttemptKind kind, std::int64_t now, Effects& fx) const;
  void wait_online(Activation& a, std::int64_t now, Effects& fx) const;
  void fail_attempt(Activation& a, Vehicle& v, const std::string& outcome, std::int64_t delay_ms, std::int64_t now,
                    Effects& fx) const;
  void query(Activation& a, const std::string& purpose, std::int64_t now, Effects& fx) const;
  void escalate(Activation& a, const std::string& reason, std::int64_t now, Effects& fx) const;
  void finish_escalation(Activation& a, std::int64_t now, Effects& fx) const;
  void confirm(Activation& a, Vehicle& v, const std::string& by, std::int64_t now, Effects& fx) const;
  void applied(Activation& a, Vehicle& v, Attempt& at, const Params& reported, const std::string& by, std::int64_t now,
               Effects& fx) const;
  void arm(Activation& a, TimerPurpose purpose, std::int64_t due) const;
  void resume(Activation& a, Vehicle& v, std::int64_t now, Effects& fx) const;

  int max_status_failures_;
};

/// A new activation from a request (state REQUESTED); desired/opposite from the catalogue.
Activation make_activation(std::string id, std::string vin, std::string customer_id, const ServiceDefinition& service,
                           const std::string& platform, Operation op, std::string payment_authorization,
                           std::int64_t now);

// ---- codecs (the store keeps them as JSON) ----
std::string encode(const Activation& a);
std::optional<Activation> decode_activation(std::string_view json);
std::string encode(const Vehicle& v);
std::optional<Vehicle> decode_vehicle(std::string_view json);

/// The API's view of an activation (GET /api/v1/activations/{id}).
std::string activation_view(const Activation& a);
/// The attempts as JSON (API view and diagnostic package).
void write_attempts(events::json::Writer& w, const Activation& a);

}  // namespace caas::ota
