#pragma once
// The command line every simulator binary reads, described by a
// CommandLineSpec: each flag stands for an environment variable (the flag
// wins), --help and --version stop before any configuration is read, and every
// problem, the command line's included, is collected in one
// observability::EnvConfig so that the binary reports them all together
// (observability::ConfigError) and exits 2.

#include <caas/observability/env_config.hpp>
#include <caas/observability/logger.hpp>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caas::sim {

/// One flag of a simulator, the variable it sets and its --help line.
struct FlagSpec {
  std::string_view flag;
  std::string_view env;
  std::string_view help;
};

/// A variable also read under an older name (the one the platform's own
/// services use for the same file), when unset under its own.
struct OlderVariableName {
  std::string_view name;
  std::string_view older_name;
};

/// What the command line asks the binary to do.
enum class LaunchAction { run, help, version };

/// A simulator's parsed command line: its own configuration plus what main()
/// needs around it.
template <typename Config>
struct CommandLine {
  LaunchAction action = LaunchAction::run;
  Config config;
  std::string port_file;  // written with the bound port once listening
  observability::LogLevel log_level = observability::LogLevel::info;
  std::string effective;  // EnvConfig::describe(), secrets masked
};

/// Everything that differs between the simulators' command lines.
template <typename Config>
struct CommandLineSpec {
  std::string_view synopsis;  // --help: what the binary is, its usage line
  std::span<const FlagSpec> flags;
  std::span<const OlderVariableName> older_names;
  /// Reads the simulator's variables, recording problems in `env`.
  void (*read_variables)(observability::EnvConfig& env, CommandLine<Config>& cl);
};

/// The flags as given, before any value is checked.
struct GivenFlags {
  LaunchAction action = LaunchAction::run;
  std::map<std::string, std::string, std::less<>> values;  // variable name -> value
  std::vector<std::string> problems;                       // unknown flags, missing values
};

/// Reads `--flag value`, `--flag=value`, `--help`/`-h` and `--version`.
GivenFlags read_flags(int argc, const char* const* argv, std::span<const FlagSpec> flags);

/// The configuration source: the flags given, else `environment` (under the
/// variable's name, then its older name), with the command line's problems
/// already recorded.
observability::EnvConfig flags_over_environment(GivenFlags given, std::span<const OlderVariableName> older_names,
                                                observability::EnvLookup environment);

/// CAAS_LOG_LEVEL, as every service reads it.
observability::LogLevel read_log_level(observability::EnvConfig& env);

/// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

/// Drops '#' comment lines, as SecretSet (which webhook-ingress verifies
/// with) does, so a token or secret file reads the same on both sides.
std::vector<std::string> without_comments(std::vector<std::string> lines);

/// --help: `synopsis`, then every flag with its variable and help line.
std::string usage_text(std::string_view synopsis, std::span<const FlagSpec> flags);

template <typename Config>
std::string usage(const CommandLineSpec<Config>& spec) {
  return usage_text(spec.synopsis, spec.flags);
}

/// Throws observability::ConfigError listing every problem.
template <typename Config>
CommandLine<Config> parse_command_line(const CommandLineSpec<Config>& spec, int argc, const char* const* argv,
                                       observability::EnvLookup environment = observability::process_environment()) {
  CommandLine<Config> cl;
  GivenFlags given = read_flags(argc, argv, spec.flags);
  cl.action = given.action;
  if (cl.action != LaunchAction::run) return cl;
  observability::EnvConfig env = flags_over_environment(std::move(given), spec.older_names, std::move(environment));
  spec.read_variables(env, cl);
  env.throw_if_errors();
  cl.effective = env.describe();
  return cl;
}

}  // namespace caas::sim
