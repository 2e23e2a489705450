#pragma once
// main() of every simulator binary, written once: the binaries differ only in
// their name, their command line and their simulator class. The contract
// tests and the local demo rely on:
//   - "<binary> listening on <address>:<port>" on stdout once it accepts
//     connections, and the port in --port-file (written atomically);
//   - SIGTERM/SIGINT stop it cleanly, exit 0;
//   - exit 2 for a bad configuration (command line, environment, or refused by
//     the simulator), exit 1 when it cannot run (port taken, port file);
//   - --help and --version answered on stdout, exit 0.

#include "caas/sim/command_line.hpp"

#include <caas/observability/env_config.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/shutdown.hpp>

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace caas::sim {

/// How a simulator binary names itself.
struct SimulatorProgram {
  std::string_view binary;       // e.g. "caas-factory-sim": --version, the listening line, stderr
  std::string_view log_service;  // the service field of its logs, e.g. "factory-sim"
};

/// The steps of run_simulator_main() that do not depend on the simulator's type.
namespace main_steps {
/// Prints every problem to stderr; returns the exit code (2).
int refuse_configuration(std::string_view binary, const observability::ConfigError& error);
/// Prints the --help text; returns the exit code (0).
int answer_help(const std::string& usage);
/// Prints "<binary> <project version>"; returns the exit code (0).
int answer_version(std::string_view binary);
observability::Logger make_logger(const SimulatorProgram& program, observability::LogLevel level);
/// Returns false when the file cannot be written.
bool write_port_file(const std::string& path, std::uint16_t port);
void announce_listening(std::string_view binary, const std::string& address, std::uint16_t port);
}  // namespace main_steps

/// Runs `Simulator` (constructed from its Config, a Logger and the Metrics;
/// start(), port(), stop()) until SIGTERM/SIGINT. Returns the exit code.
template <typename Simulator, typename Config>
int run_simulator_main(const SimulatorProgram& program, const CommandLineSpec<Config>& spec, int argc,
                       const char* const* argv) {
  service::ShutdownSignal shutdown;  // before any thread, so every thread inherits the signal mask
  CommandLine<Config> cl;
  try {
    cl = parse_command_line(spec, argc, argv);
  } catch (const observability::ConfigError& e) {
    return main_steps::refuse_configuration(program.binary, e);
  }
  if (cl.action == LaunchAction::help) return main_steps::answer_help(usage(spec));
  if (cl.action == LaunchAction::version) return main_steps::answer_version(program.binary);
  observability::Logger log = main_steps::make_logger(program, cl.log_level);
  log.info("configuration", {{"effective", cl.effective}});
  observability::Metrics metrics;
  try {
    Simulator sim(cl.config, log, metrics);
    sim.start();
    if (!cl.port_file.empty() && !main_steps::write_port_file(cl.port_file, sim.port())) {
      log.error("cannot write the port file", {{"path", cl.port_file}});
      return 1;
    }
    main_steps::announce_listening(program.binary, cl.config.address, sim.port());
    const int signal = shutdown.wait();
    log.info("shutting down", {{"signal", signal}});
    sim.stop();
  } catch (const std::invalid_argument& e) {
    log.error("invalid configuration", {{"error", e.what()}});
    return 2;
  } catch (const std::exception& e) {
    log.error("cannot run", {{"error", e.what()}});
    return 1;
  }
  return 0;
}

}  // namespace caas::sim
