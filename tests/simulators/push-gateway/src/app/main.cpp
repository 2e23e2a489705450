// caas-push-sim: a mobile push gateway as a real HTTP server (tests and the
// local demo). Prints "caas-push-sim listening on <address>:<port>" once it
// accepts connections; SIGTERM/SIGINT stop it cleanly.
#include "app/config.hpp"
#include "app/simulator.hpp"

#include <caas/service/shutdown.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#ifndef CAAS_VERSION
#define CAAS_VERSION "0.0.0"
#endif

namespace {

bool write_port_file(const std::string& path, std::uint16_t port) {
  // Written beside and renamed, so a reader never sees a half-written file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace caas;
  service::ShutdownSignal shutdown;  // before any thread, so every thread inherits the signal mask
  push_sim::CommandLine cl;
  try {
    cl = push_sim::parse_command_line(argc, argv);
  } catch (const observability::ConfigError& e) {
    std::fprintf(stderr, "caas-push-sim: invalid configuration:\n");
    for (const auto& p : e.problems()) std::fprintf(stderr, "  %s\n", p.c_str());
    return 2;
  }
  if (cl.action == push_sim::CommandLine::Action::help) {
    std::cout << push_sim::usage();
    return 0;
  }
  if (cl.action == push_sim::CommandLine::Action::version) {
    std::cout << "caas-push-sim " << CAAS_VERSION << "\n";
    return 0;
  }
  observability::Logger log({"push-sim", observability::host_name(), cl.log_level, {}});
  log.info("configuration", {{"effective", cl.effective}});
  observability::Metrics metrics;
  try {
    push_sim::PushSimulator sim(cl.config, log, metrics);
    sim.start();
    if (!cl.port_file.empty() && !write_port_file(cl.port_file, sim.port())) {
      log.error("cannot write the port file", {{"path", cl.port_file}});
      return 1;
    }
    std::cout << "caas-push-sim listening on " << cl.config.address << ":" << sim.port() << std::endl;
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
