#pragma once
// The JSON helpers of the gateway's documents: the shared writer helpers
// (sim/json_writer.hpp) plus counters.

#include <caas/sim/json_writer.hpp>

#include <cstdint>
#include <string_view>

namespace caas::push_sim {

using sim::build_json, sim::write_member, sim::write_string, sim::write_time_member;
using sim::JsonWriter;
using sim::TimePoint;

inline void write_count(JsonWriter& w, std::string_view key, std::uint64_t n) {
  write_string(w, key);
  w.Uint64(n);
}

}  // namespace caas::push_sim
