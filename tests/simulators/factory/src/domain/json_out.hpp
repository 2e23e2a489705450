#pragma once
// The JSON helpers of the Factory's documents: the shared writer helpers
// (sim/json_writer.hpp) plus the seed-000 date format.

#include <caas/sim/json_writer.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace caas::factory_sim {

using sim::build_json, sim::write_member, sim::write_number, sim::write_string, sim::write_time_member;
using sim::JsonWriter;
using sim::TimePoint;

/// "YYYY-MM-DD" (seed 000 estimated_delivery_date).
inline std::string format_date(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

}  // namespace caas::factory_sim
