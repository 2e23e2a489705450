#include "caas/sim/simulator_main.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#ifndef CAAS_VERSION
#define CAAS_VERSION "0.0.0"
#endif

namespace caas::sim::main_steps {

int refuse_configuration(std::string_view binary, const observability::ConfigError& error) {
  std::fprintf(stderr, "%.*s: invalid configuration:\n", static_cast<int>(binary.size()), binary.data());
  for (const auto& p : error.problems()) std::fprintf(stderr, "  %s\n", p.c_str());
  return 2;
}

int answer_help(const std::string& usage) {
  std::cout << usage;
  return 0;
}

int answer_version(std::string_view binary) {
  std::cout << binary << " " << CAAS_VERSION << "\n";
  return 0;
}

observability::Logger make_logger(const SimulatorProgram& program, observability::LogLevel level) {
  return observability::Logger({std::string(program.log_service), observability::host_name(), level, {}});
}

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

void announce_listening(std::string_view binary, const std::string& address, std::uint16_t port) {
  std::cout << binary << " listening on " << address << ":" << port << std::endl;
}

}  // namespace caas::sim::main_steps
