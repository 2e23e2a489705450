// caas-iot-sim: the API IoT of DESIGN.md §2 as a real HTTP server (tests and
// the local demo). Prints "caas-iot-sim listening on <address>:<port>" once
// it accepts connections; SIGTERM/SIGINT stop it cleanly
// (sim::run_simulator_main).
#include "app/config.hpp"
#include "app/simulator.hpp"

#include <caas/sim/simulator_main.hpp>

int main(int argc, char** argv) {
  using namespace caas;
  return sim::run_simulator_main<iot_sim::IotSimulator>({"caas-iot-sim", "iot-sim"}, iot_sim::command_line_spec(), argc,
                                                        argv);
}
