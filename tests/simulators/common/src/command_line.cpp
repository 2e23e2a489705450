#include "caas/sim/command_line.hpp"

#include <fstream>
#include <optional>
#include <sstream>

namespace caas::sim {

namespace {

const FlagSpec* find_flag(std::span<const FlagSpec> flags, std::string_view name) {
  for (const auto& f : flags) {
    if (f.flag == name) return &f;
  }
  return nullptr;
}

}  // namespace

GivenFlags read_flags(int argc, const char* const* argv, std::span<const FlagSpec> flags) {
  GivenFlags given;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") given.action = LaunchAction::help;
    if (arg == "--version") given.action = LaunchAction::version;
    if (arg == "--help" || arg == "-h" || arg == "--version") continue;
    std::string_view name = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    const FlagSpec* flag = find_flag(flags, name);
    if (flag == nullptr) {
      given.problems.push_back("unknown argument '" + std::string(arg) + "' (see --help)");
      // Skip its value too, so one typo is reported once.
      if (!value && i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--") ++i;
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) {
        given.problems.push_back(std::string(name) + " needs a value");
        continue;
      }
      value = argv[++i];
    }
    given.values[std::string(flag->env)] = *value;
  }
  return given;
}

observability::EnvConfig flags_over_environment(GivenFlags given, std::span<const OlderVariableName> older_names,
                                                observability::EnvLookup environment) {
  std::vector<std::string> problems = std::move(given.problems);
  observability::EnvConfig env([values = std::move(given.values), older_names, environment = std::move(environment)](
                                   std::string_view name) -> std::optional<std::string> {
    if (auto it = values.find(name); it != values.end()) return it->second;
    if (auto v = environment(name)) return v;
    for (const auto& older : older_names) {
      if (older.name == name) return environment(older.older_name);
    }
    return std::nullopt;
  });
  for (auto& p : problems) env.add_error(std::move(p));
  return env;
}

observability::LogLevel read_log_level(observability::EnvConfig& env) {
  const auto level = env.enumeration("CAAS_LOG_LEVEL", {"debug", "info", "warn", "error"}, "info");
  return observability::parse_log_level(level).value_or(observability::LogLevel::info);
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> without_comments(std::vector<std::string> lines) {
  std::erase_if(lines, [](const std::string& l) { return l.starts_with('#'); });
  return lines;
}

std::string usage_text(std::string_view synopsis, std::span<const FlagSpec> flags) {
  std::string text(synopsis);
  text += "Every option can also be given as the environment variable shown.\n\n";
  for (const auto& f : flags) {
    text += "  " + std::string(f.flag) + " (" + std::string(f.env) + ")\n      " + std::string(f.help) + "\n";
  }
  text += "  --help, --version\n";
  return text;
}

}  // namespace caas::sim
