#pragma once
// Telemetry as the API IoT pushes it (DESIGN.md §2): each online vehicle
// takes a reading per interval — its true state at that moment, its
// configuration included, so a configuration change shows up in the next
// reading — with `seq` increasing per vehicle. The reading faults act on the
// way to the platform: a gap loses a reading (its seq is never seen), a
// duplicate sends it twice, a reorder holds it back until after the
// vehicle's next reading.

#include "domain/fault_plan.hpp"
#include "domain/fleet.hpp"
#include "domain/json_out.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace caas::iot_sim {

/// One reading on its way out.
struct OutgoingReading {
  std::string vin;
  std::uint64_t seq = 0;
  std::string json;  // the reading object, as it goes into "readings"
};

/// "position": {lat, lon} and "diagnostics": [{code, severity}], as readings
/// and the status document both write them.
void write_position(JsonWriter& w, const Position& p);
void write_diagnostics(JsonWriter& w, const std::vector<Diagnostic>& diagnostics);

/// The reading object of `v` now: {vin, seq, time, position, operational_state,
/// configuration, diagnostics, connectivity} (no receipt fields: the
/// ingress adds those and refuses them from partners).
std::string reading_json(const Vehicle& v, std::uint64_t seq, TimePoint time);

struct TelemetryCounts {
  std::uint64_t taken = 0;       // readings taken (seq used)
  std::uint64_t lost = 0;        // gap fault: never sent
  std::uint64_t duplicated = 0;  // extra copies
  std::uint64_t reordered = 0;   // held back behind the next one
};

class TelemetryGenerator {
 public:
  /// One interval: each online vehicle evolves by `dt` (with `motion`) and
  /// takes a reading; the reading faults are drawn with `faults_rng`.
  /// Returns what goes out this interval, in order. Paused: nothing at all.
  std::vector<OutgoingReading> tick(std::vector<Vehicle>& fleet, TimePoint now, std::chrono::milliseconds dt,
                                    const FaultPlan& faults, Random& faults_rng, Random& motion,
                                    TelemetryCounts& counts);

  /// The last reading each vehicle took (sent or not): seq and JSON.
  const std::map<std::string, OutgoingReading, std::less<>>& last_taken() const { return last_; }
  void clear();

 private:
  std::map<std::string, OutgoingReading, std::less<>> held_;  // reorder: waits for the next reading
  std::map<std::string, OutgoingReading, std::less<>> last_;
};

/// Cuts readings into webhook bodies {"readings":[…]} of at most
/// `batch_size` readings each, in order.
struct Batch {
  std::string body;
  std::vector<std::pair<std::string, std::uint64_t>> readings;  // (vin, seq), in body order
};
std::vector<Batch> make_batches(const std::vector<OutgoingReading>& readings, std::size_t batch_size);

}  // namespace caas::iot_sim
