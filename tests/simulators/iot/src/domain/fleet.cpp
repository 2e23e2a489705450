#include "domain/fleet.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace caas::iot_sim {

namespace {

constexpr std::string_view kVinAlphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
constexpr std::size_t kMaxSerial = 1'000'000;  // six digits

struct City {
  double lat;
  double lon;
};
constexpr std::array kCities{City{40.4168, -3.7038}, City{41.3874, 2.1686},  City{39.4699, -0.3763},
                             City{37.3891, -5.9845}, City{41.6488, -0.8891}, City{43.2630, -2.9350}};

constexpr std::array kNetworks{"LTE", "5G", "3G"};

constexpr std::array kDiagnosticPool{Diagnostic{"P0420", "warning"}, Diagnostic{"P0A80", "error"},
                                     Diagnostic{"U0100", "critical"}, Diagnostic{"B1000", "info"},
                                     Diagnostic{"C0035", "warning"}};

int transliterate(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  static constexpr std::string_view kLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";
  static constexpr std::array<int, 23> kValues{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto i = kLetters.find(c);
  return i == std::string_view::npos ? 0 : kValues[i];
}

char draw(std::string_view alphabet, Random& rng) {
  return alphabet[rng.index(alphabet.size())];
}

double uniform_in(Random& rng, double lo, double hi) {
  return lo + (hi - lo) * rng.uniform();
}

/// Positions in micro-degrees (~0.1 m), as a GNSS receiver reports them: short
/// in JSON and exact through a text round trip.
double micro_degrees(double deg) {
  return std::round(deg * 1e6) / 1e6;
}

}  // namespace

std::string_view to_string(OperationalState s) {
  switch (s) {
    case OperationalState::running:
      return "RUNNING";
    case OperationalState::parked:
      return "PARKED";
    case OperationalState::charging:
      return "CHARGING";
    case OperationalState::off:
      return "OFF";
  }
  return "OFF";
}

std::optional<OperationalState> parse_operational_state(std::string_view s) {
  for (auto state :
       {OperationalState::running, OperationalState::parked, OperationalState::charging, OperationalState::off}) {
    if (to_string(state) == s) return state;
  }
  return std::nullopt;
}

bool valid_vin(std::string_view vin) {
  return vin.size() == 17 &&
         std::all_of(vin.begin(), vin.end(), [](char c) { return kVinAlphabet.find(c) != std::string_view::npos; });
}

char vin_check_digit(std::string_view vin) {
  static constexpr std::array<int, 17> kWeights{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17 && i < vin.size(); ++i) sum += transliterate(vin[i]) * kWeights[i];
  const int r = sum % 11;
  return r == 10 ? 'X' : static_cast<char>('0' + r);
}

const std::vector<PlatformSpec>& platforms() {
  // Seed 004's four services: power_mode, autonomous_highway_enabled,
  // snow_mode_available, climate_zones; not every platform has every module
  // (a van has no ADAS highway pilot, a compact no four-zone climate).
  static const std::vector<PlatformSpec> kPlatforms{
      {"SUV_ELECTRIC_2024",
       "4.2.1",
       {{"power_mode", std::string("STANDARD")},
        {"autonomous_highway_enabled", false},
        {"snow_mode_available", std::int64_t{0}},
        {"climate_zones", std::int64_t{2}},
        {"max_charge_kw", 150.0}}},
      {"SEDAN_ELECTRIC_2024",
       "4.2.1",
       {{"power_mode", std::string("STANDARD")},
        {"autonomous_highway_enabled", false},
        {"snow_mode_available", std::int64_t{0}},
        {"climate_zones", std::int64_t{2}},
        {"max_charge_kw", 150.0}}},
      {"COMPACT_ELECTRIC_2024",
       "3.9.4",
       {{"power_mode", std::string("STANDARD")},
        {"autonomous_highway_enabled", false},
        {"snow_mode_available", std::int64_t{0}},
        {"max_charge_kw", 100.0}}},
      {"VAN_ELECTRIC_2024",
       "2.7.0",
       {{"power_mode", std::string("STANDARD")},
        {"snow_mode_available", std::int64_t{0}},
        {"climate_zones", std::int64_t{2}},
        {"max_charge_kw", 120.0}}},
      {"SUV_HYBRID_2024",
       "5.0.3",
       {{"power_mode", std::string("STANDARD")},
        {"autonomous_highway_enabled", false},
        {"snow_mode_available", std::int64_t{0}},
        {"climate_zones", std::int64_t{2}}}},
  };
  return kPlatforms;
}

std::vector<Vehicle> generate_fleet(std::size_t n, Random& rng) {
  n = std::min(n, kMaxSerial);
  std::vector<Vehicle> fleet;
  fleet.reserve(n);
  // Consecutive serial numbers from a drawn start: distinct VINs without a
  // lookup table, whatever the other characters drawn.
  const std::size_t first_serial = rng.index(kMaxSerial - n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    std::string vin = "VSS";                                     // WMI
    for (int k = 0; k < 5; ++k) vin += draw(kVinAlphabet, rng);  // VDS
    vin += '0';                                                  // check digit, below
    vin += 'R';                                                  // model year 2024
    vin += draw("ABCDEFGH", rng);                                // plant
    const std::string serial = std::to_string(first_serial + i);
    vin += std::string(6 - serial.size(), '0') + serial;
    vin[8] = vin_check_digit(vin);

    const auto& platform = platforms()[rng.index(platforms().size())];
    const auto& city = kCities[rng.index(kCities.size())];
    Vehicle v;
    v.vin = std::move(vin);
    v.platform = std::string(platform.name);
    v.firmware_version = std::string(platform.firmware_version);
    v.parameters = platform.defaults;
    v.position = {micro_degrees(city.lat + uniform_in(rng, -0.05, 0.05)),
                  micro_degrees(city.lon + uniform_in(rng, -0.05, 0.05))};
    v.operational_state = rng.chance(0.7) ? OperationalState::parked : OperationalState::off;
    v.connectivity = {-60 - static_cast<int>(rng.index(50)), "LTE"};
    fleet.push_back(std::move(v));
  }
  return fleet;
}

void evolve(Vehicle& v, std::chrono::milliseconds dt, Random& rng) {
  if (rng.chance(0.05)) {
    switch (v.operational_state) {
      case OperationalState::running:
        v.operational_state = OperationalState::parked;
        break;
      case OperationalState::parked: {
        constexpr std::array kNext{OperationalState::running, OperationalState::charging, OperationalState::off};
        v.operational_state = kNext[rng.index(kNext.size())];
        break;
      }
      case OperationalState::charging:
        v.operational_state = OperationalState::parked;
        break;
      case OperationalState::off:
        v.operational_state = rng.chance(0.5) ? OperationalState::parked : OperationalState::running;
        break;
    }
  }
  if (v.operational_state == OperationalState::running) {
    // Up to ~30 m/s in a random direction.
    const double step = 0.0003 * static_cast<double>(dt.count()) / 1000.0;
    v.position.lat = micro_degrees(std::clamp(v.position.lat + uniform_in(rng, -step, step), -90.0, 90.0));
    v.position.lon = micro_degrees(std::clamp(v.position.lon + uniform_in(rng, -step, step), -180.0, 180.0));
  }
  v.connectivity.signal_dbm = std::clamp(v.connectivity.signal_dbm + static_cast<int>(rng.index(7)) - 3, -120, -50);
  if (rng.chance(0.02)) v.connectivity.network = kNetworks[rng.index(kNetworks.size())];
  if (v.diagnostics.size() < 3 && rng.chance(0.005)) {
    const auto& d = kDiagnosticPool[rng.index(kDiagnosticPool.size())];
    const bool present =
        std::any_of(v.diagnostics.begin(), v.diagnostics.end(), [&](const Diagnostic& x) { return x.code == d.code; });
    if (!present) v.diagnostics.push_back(d);
  }
  std::erase_if(v.diagnostics, [&](const Diagnostic&) { return rng.chance(0.05); });
}

}  // namespace caas::iot_sim
