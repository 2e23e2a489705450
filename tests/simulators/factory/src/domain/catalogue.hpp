#pragma once
// What the simulated Factory can build: platform bases, option codes and
// (optionally) colours and interiors, plus its plants and lead time. A request
// naming anything else is refused with 400 INVALID_SPECIFICATION, as seed 000
// shows for an unknown option code.

#include <string>
#include <string_view>
#include <vector>

#include "caas/core/result.hpp"

namespace caas::factory_sim {

struct Catalogue {
  std::vector<std::string> platform_bases;
  std::vector<std::string> option_codes;
  std::vector<std::string> colors;     // empty = any non-empty code accepted
  std::vector<std::string> interiors;  // empty = any non-empty code accepted
  std::vector<std::string> plants;     // manufacturing_location values
  int lead_time_days = 36;             // estimated_delivery_date = created date + this

  /// Platforms and options used across the seeds and the demo.
  static Catalogue defaults();

  bool has_platform(std::string_view code) const;
  bool has_option(std::string_view code) const;
  bool has_color(std::string_view code) const;
  bool has_interior(std::string_view code) const;
};

/// Parses a catalogue file: an object whose members (all optional, a missing
/// one keeps the default) are `platform_bases`, `option_codes`, `colors`,
/// `interiors`, `plants` (arrays of strings) and `lead_time_days` (1..3650).
/// Unknown members are refused; the error names the member.
Result<Catalogue> parse_catalogue(std::string_view json);

}  // namespace caas::factory_sim
