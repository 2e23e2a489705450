#pragma once
// Command line and environment of caas-push-sim. Every flag has an
// environment equivalent (flag wins); problems are collected and reported
// together, naming the flag's variable, like every service does
// (observability::EnvConfig).

#include "app/simulator.hpp"

#include <caas/observability/env_config.hpp>

#include <string>

namespace caas::push_sim {

struct CommandLine {
  enum class Action { run, help, version };
  Action action = Action::run;
  SimulatorConfig config;
  std::string port_file;  // written with the bound port once listening
  observability::LogLevel log_level = observability::LogLevel::info;
  std::string effective;  // EnvConfig::describe(), secrets masked
};

/// Throws observability::ConfigError listing every problem.
CommandLine parse_command_line(int argc, const char* const* argv,
                               const observability::EnvLookup& environment = observability::process_environment());

/// --help text.
std::string usage();

}  // namespace caas::push_sim
