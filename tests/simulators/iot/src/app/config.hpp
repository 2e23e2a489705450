#pragma once
// The flags and environment variables of caas-iot-sim.

#include "app/simulator.hpp"

#include <caas/sim/command_line.hpp>

namespace caas::iot_sim {

/// Its flags, --help synopsis, and how its variables are read and checked.
const sim::CommandLineSpec<SimulatorConfig>& command_line_spec();

}  // namespace caas::iot_sim
