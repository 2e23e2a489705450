#pragma once
// The API IoT's side of the vehicles: which are online, the configuration
// commands each received and what became of them, the display messages.
// Pure: wall and steady times are passed in, faults are drawn from the
// injected Random, and every command-status webhook to send comes back as
// an Ack for the caller to sign and queue.
//
// A command's life (DESIGN.md §2, seed 004 "Failure Scenarios"):
//   received, vehicle online  → ACCEPTED, applied after apply_delay → APPLIED | REJECTED | FAILED
//   received, vehicle offline → held; online again → ACCEPTED → …; still offline after
//                               command_ttl → FAILED VEHICLE_OFFLINE
// The same (vin, command_id) again is never executed twice.

#include "domain/fault_plan.hpp"
#include "domain/fleet.hpp"
#include "domain/requests.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caas::iot_sim {

enum class CommandResult { accepted, applied, rejected, failed };
std::string_view to_string(CommandResult r);

/// What the firmware did with a configuration.
struct Execution {
  CommandResult result = CommandResult::applied;
  std::string error_code;  // "" for APPLIED
  Parameters reported;     // the requested parameters' values afterwards (the truth)
  Parameters applied;      // what actually changed
  bool partial = false;
};

/// The firmware applying `requested`, in this order: a parameter the
/// platform does not have → REJECTED UNKNOWN_PARAMETER; a value of the wrong
/// kind → REJECTED INVALID_PARAMETER_VALUE; then the faults drawn: firmware
/// error → FAILED <code>; reject → REJECTED CONFIGURATION_REJECTED; partial →
/// APPLIED with every parameter but the last (name order) changed. Only
/// APPLIED changes the vehicle.
Execution execute(Vehicle& vehicle, const Parameters& requested, const VehicleFaults& faults, Random& rng);

/// A command-status webhook to send (unless the command's acks are lost).
struct Ack {
  std::string vin;
  std::string command_id;
  std::uint64_t command_seq = 0;
  CommandResult result = CommandResult::accepted;
  std::string error_code;
  std::optional<Parameters> reported;
  TimePoint time;
  std::chrono::milliseconds delay{0};  // the slow-ack fault
};

enum class CommandPhase { held, applying, done };
std::string_view to_string(CommandPhase p);

/// One command-status webhook of a command, as far as it went.
struct AckRecord {
  CommandResult result = CommandResult::accepted;
  std::string webhook_id;
  std::string outcome = "pending";  // pending, delivered, failed, queue_full, lost
  int attempts = 0;
};

struct CommandRecord {
  std::uint64_t seq = 0;  // arrival order over the whole fleet
  std::string vin;
  std::string command_id;
  Parameters requested;
  TimePoint received_at;
  std::uint64_t requests = 1;  // POSTs that carried this command id (the first included)
  CommandPhase phase = CommandPhase::held;
  SteadyTime due{};  // held: when it expires; applying: when the vehicle applies it
  bool accepted_sent = false;
  bool acks_lost = false;  // lost-ack fault, drawn once per command
  std::optional<Execution> execution;
  std::optional<TimePoint> completed_at;
  std::vector<AckRecord> acks;
};

struct DisplayMessage {
  std::string vin;
  DisplayMessageRequest request;
  TimePoint received_at;
  std::uint64_t requests = 1;
  bool vehicle_online = true;  // online when it arrived (else shown when it comes back)
};

struct NetworkOptions {
  std::chrono::milliseconds apply_delay{100};    // ACCEPTED → result
  std::chrono::milliseconds command_ttl{60000};  // how long a command waits for an offline vehicle
  std::size_t max_commands = 100000;
  std::size_t max_messages = 100000;
  std::size_t max_offline_periods = 1000;  // per vehicle, oldest dropped
};

enum class Admission { created, repeated, conflict, full };

class VehicleNetwork {
 public:
  VehicleNetwork(std::vector<Vehicle> fleet, NetworkOptions options);

  Vehicle* find(std::string_view vin);
  const Vehicle* find(std::string_view vin) const;
  std::vector<Vehicle>& vehicles() { return vehicles_; }
  const std::vector<Vehicle>& vehicles() const { return vehicles_; }

  /// A configuration command for an existing `vin`. `created`: recorded,
  /// ACCEPTED queued when the vehicle is online; `repeated`: same id, same
  /// parameters, counted, nothing else; `conflict`: same id, other
  /// parameters; `full`: the command bound is reached.
  std::pair<Admission, const CommandRecord*> submit(std::string_view vin, ConfigurationRequest request, TimePoint now,
                                                    SteadyTime steady, const FaultPlan& faults, Random& rng,
                                                    std::vector<Ack>& out);

  /// Brings every vehicle online or offline as the plan (and its flap) says, recording the
  /// offline periods; a vehicle back online gets its held commands (ACCEPTED
  /// queued, applied after apply_delay). Returns how many vehicles changed.
  std::size_t sync_connectivity(const FaultPlan& faults, TimePoint now, SteadyTime steady, std::vector<Ack>& out);

  /// The offline-flap fault, once per telemetry interval: vehicles whose
  /// flap is over come back, online vehicles drop off with the plan's
  /// probability; then sync_connectivity(). Returns how many changed.
  std::size_t flap(const FaultPlan& faults, TimePoint now, SteadyTime steady, Random& rng, std::vector<Ack>& out);

  /// Applies the commands due and expires the held ones past their TTL.
  /// Returns the commands finished, in order.
  std::vector<std::uint64_t> advance(TimePoint now, SteadyTime steady, const FaultPlan& faults, Random& rng,
                                     std::vector<Ack>& out);
  /// When advance() next has something to do.
  std::optional<SteadyTime> next_due() const;

  Admission post_message(std::string_view vin, DisplayMessageRequest request, TimePoint now);

  CommandRecord* find_command(std::uint64_t seq);
  /// Every command in arrival order.
  const std::map<std::uint64_t, CommandRecord>& commands() const { return commands_; }
  /// The commands of `vin` still held or being applied, in arrival order.
  std::vector<const CommandRecord*> pending_commands(std::string_view vin) const;
  const std::vector<DisplayMessage>& messages() const { return messages_; }

 private:
  using Key = std::pair<std::string, std::string>;  // vin, id
  void schedule(CommandRecord& c, CommandPhase phase, SteadyTime due);
  void accept(CommandRecord& c, const Vehicle& v, TimePoint now, SteadyTime steady, const FaultPlan& faults,
              std::vector<Ack>& out);
  void finish(CommandRecord& c, Execution e, TimePoint now, const FaultPlan& faults, std::vector<Ack>& out);

  NetworkOptions options_;
  std::vector<Vehicle> vehicles_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::uint64_t, CommandRecord> commands_;
  std::map<Key, std::uint64_t> command_ids_;
  std::set<std::pair<SteadyTime, std::uint64_t>> due_;
  std::uint64_t next_command_seq_ = 1;
  std::vector<DisplayMessage> messages_;
  std::map<Key, std::size_t> message_ids_;
};

}  // namespace caas::iot_sim
