// caas-push-sim: a mobile push gateway as a real HTTP server (tests and the
// local demo). Prints "caas-push-sim listening on <address>:<port>" once it
// accepts connections; SIGTERM/SIGINT stop it cleanly (sim::run_simulator_main).
#include "app/config.hpp"
#include "app/simulator.hpp"

#include <caas/sim/simulator_main.hpp>

int main(int argc, char** argv) {
  using namespace caas;
  return sim::run_simulator_main<push_sim::PushSimulator>({"caas-push-sim", "push-sim"}, push_sim::command_line_spec(),
                                                          argc, argv);
}
