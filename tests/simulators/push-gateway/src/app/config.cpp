#include "app/config.hpp"

#include <array>
#include <cstdint>
#include <map>

namespace caas::push_sim {

namespace {

using namespace std::chrono_literals;

struct Flag {
  std::string_view flag;
  std::string_view env;
  std::string_view help;
};

constexpr std::array kFlags{
    Flag{"--bind", "CAAS_PUSH_SIM_BIND", "bind address (127.0.0.1; the control API has no authentication)"},
    Flag{"--port", "CAAS_PUSH_SIM_PORT", "listen port, 0 = ephemeral (0)"},
    Flag{"--port-file", "CAAS_PUSH_SIM_PORT_FILE", "write the bound port to this file once listening"},
    Flag{"--api-token-file", "CAAS_PUSH_SIM_API_TOKEN_FILE",
         "accepted Bearer tokens, one per line, '#' lines ignored (required)"},
    Flag{"--seed", "CAAS_PUSH_SIM_SEED", "random seed of the fail_rate draws (1)"},
    Flag{"--hold", "CAAS_PUSH_SIM_HOLD", "how long a held request waits before an answer is written (60s)"},
    Flag{"--max-messages", "CAAS_PUSH_SIM_MAX_MESSAGES", "messages kept; beyond, POST /v1/messages -> 507 (1000000)"},
    Flag{"--max-connections", "CAAS_PUSH_SIM_MAX_CONNECTIONS", "open connections at once (4096)"},
    Flag{"--http-threads", "CAAS_PUSH_SIM_HTTP_THREADS", "HTTP I/O threads (4)"},
    Flag{"--log-level", "CAAS_LOG_LEVEL", "debug, info, warn, error (info)"},
};

const Flag* find_flag(std::string_view name) {
  for (const auto& f : kFlags) {
    if (f.flag == name) return &f;
  }
  return nullptr;
}

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv, const observability::EnvLookup& environment) {
  CommandLine cl;
  std::map<std::string, std::string, std::less<>> given;  // env name -> value
  std::vector<std::string> problems;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") cl.action = CommandLine::Action::help;
    if (arg == "--version") cl.action = CommandLine::Action::version;
    if (arg == "--help" || arg == "-h" || arg == "--version") continue;
    std::string_view name = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    const Flag* flag = find_flag(name);
    if (flag == nullptr) {
      problems.push_back("unknown argument '" + std::string(arg) + "' (see --help)");
      // Skip its value too, so one typo is reported once.
      if (!value && i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--") ++i;
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) {
        problems.push_back(std::string(name) + " needs a value");
        continue;
      }
      value = argv[++i];
    }
    given[std::string(flag->env)] = *value;
  }
  if (cl.action != CommandLine::Action::run) return cl;

  observability::EnvConfig env([&given, &environment](std::string_view name) -> std::optional<std::string> {
    if (auto it = given.find(name); it != given.end()) return it->second;
    return environment(name);
  });
  for (auto& p : problems) env.add_error(std::move(p));

  auto& c = cl.config;
  c.address = env.string("CAAS_PUSH_SIM_BIND", "127.0.0.1");
  c.port = static_cast<std::uint16_t>(env.integer("CAAS_PUSH_SIM_PORT", 0, 0, 65535));
  cl.port_file = env.string("CAAS_PUSH_SIM_PORT_FILE", "");
  // One token per line; blank and '#' lines are dropped, an empty file is an error.
  c.api_tokens = env.secret_file_lines("CAAS_PUSH_SIM_API_TOKEN_FILE", /*required=*/true);
  c.seed = static_cast<std::uint64_t>(env.integer("CAAS_PUSH_SIM_SEED", 1, 0, INT64_MAX));
  c.hold = env.duration_ms("CAAS_PUSH_SIM_HOLD", 60s, 1ms, 10min);
  c.max_messages = static_cast<std::size_t>(env.integer("CAAS_PUSH_SIM_MAX_MESSAGES", 1'000'000, 1, 100'000'000));
  c.max_connections = static_cast<std::size_t>(env.integer("CAAS_PUSH_SIM_MAX_CONNECTIONS", 4096, 1, 100'000));
  c.http_threads = static_cast<unsigned>(env.integer("CAAS_PUSH_SIM_HTTP_THREADS", 4, 1, 64));
  const auto level = env.enumeration("CAAS_LOG_LEVEL", {"debug", "info", "warn", "error"}, "info");
  cl.log_level = observability::parse_log_level(level).value_or(observability::LogLevel::info);
  env.throw_if_errors();
  cl.effective = env.describe();
  return cl;
}

std::string usage() {
  std::string text =
      "caas-push-sim: a mobile push gateway (POST /v1/messages with Bearer tokens and\n"
      "Idempotency-Key, fault injection and read-outs through /control) for tests and the local demo.\n\n"
      "usage: caas-push-sim --api-token-file F [options]\n\n"
      "Every option can also be given as the environment variable shown.\n\n";
  for (const auto& f : kFlags) {
    text += "  " + std::string(f.flag) + " (" + std::string(f.env) + ")\n      " + std::string(f.help) + "\n";
  }
  text += "  --help, --version\n";
  return text;
}

}  // namespace caas::push_sim
