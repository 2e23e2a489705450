#pragma once
// The JSON helpers of the API IoT's documents: the shared writer helpers
// (sim/json_writer.hpp) under this simulator's namespace.

#include <caas/sim/json_writer.hpp>

namespace caas::iot_sim {

using sim::build_json, sim::write_member, sim::write_string, sim::write_time_member, sim::write_count,
    sim::write_number;
using sim::JsonWriter;
using sim::TimePoint;

}  // namespace caas::iot_sim
