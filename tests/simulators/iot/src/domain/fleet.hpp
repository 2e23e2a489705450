#pragma once
// The simulated fleet: every vehicle's true state (what GET status answers
// and what each telemetry reading reports), generated from the seed so that
// the same --seed and --vehicles give the same fleet everywhere, and evolved
// one telemetry step at a time with an injected Random.

#include "domain/value.hpp"

#include <caas/sim/random.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caas::iot_sim {

using sim::Random;
using sim::ScriptedRandom;
using sim::SeededRandom;
using SteadyTime = std::chrono::steady_clock::time_point;

enum class OperationalState { running, parked, charging, off };
std::string_view to_string(OperationalState s);
std::optional<OperationalState> parse_operational_state(std::string_view s);

struct Position {
  double lat = 0.0;
  double lon = 0.0;
};

struct Diagnostic {
  std::string code;      // OBD-II style, e.g. P0420
  std::string severity;  // info, warning, error, critical
};

struct Connectivity {
  int signal_dbm = -85;
  std::string network = "LTE";
};

/// One interval in which the vehicle was offline; `to` is empty while it lasts.
struct OfflinePeriod {
  TimePoint from;
  std::optional<TimePoint> to;
};

struct Vehicle {
  std::string vin;
  std::string platform;
  std::string firmware_version;
  Parameters parameters;  // the firmware's configuration, current values
  Position position;
  OperationalState operational_state = OperationalState::parked;
  std::vector<Diagnostic> diagnostics;
  Connectivity connectivity;
  bool online = true;
  std::optional<SteadyTime> flap_until;  // offline-flap fault: off the network until then
  std::optional<TimePoint> last_seen;    // last contact with the network (a reading, a command)
  std::vector<OfflinePeriod> offline_periods;
  std::uint64_t next_seq = 1;       // seq of the next reading
  std::uint64_t delivered_seq = 0;  // highest seq in a batch the platform acknowledged (0: none)
};

/// ISO 3779 VIN: 17 characters of [A-HJ-NPR-Z0-9] (no I, O, Q).
bool valid_vin(std::string_view vin);
/// The ISO 3779 check digit (position 9) of a 17-character VIN: '0'..'9' or 'X'.
char vin_check_digit(std::string_view vin);

/// The platforms vehicles are generated on (the Factory simulator's
/// platform bases) and the firmware parameters each one has, with their
/// factory defaults (seed 004 "Service-to-Firmware Mapping").
struct PlatformSpec {
  std::string_view name;
  std::string_view firmware_version;
  Parameters defaults;
};
const std::vector<PlatformSpec>& platforms();

/// `n` vehicles with distinct valid VINs (WMI VSS, model year 2024, check
/// digit), a platform each, positions around Spanish cities, parked or off,
/// online. Deterministic for a given sequence of draws.
std::vector<Vehicle> generate_fleet(std::size_t n, Random& rng);

/// One telemetry step of `dt`: occasional operational state changes, movement
/// while RUNNING, signal jitter, diagnostics raised and cleared.
void evolve(Vehicle& v, std::chrono::milliseconds dt, Random& rng);

}  // namespace caas::iot_sim
