#include "app/config.hpp"

#include <array>
#include <cstdint>

namespace caas::push_sim {

namespace {

using namespace std::chrono_literals;

using sim::FlagSpec;

constexpr std::array kFlags{
    FlagSpec{"--bind", "CAAS_PUSH_SIM_BIND", "bind address (127.0.0.1; the control API has no authentication)"},
    FlagSpec{"--port", "CAAS_PUSH_SIM_PORT", "listen port, 0 = ephemeral (0)"},
    FlagSpec{"--port-file", "CAAS_PUSH_SIM_PORT_FILE", "write the bound port to this file once listening"},
    FlagSpec{"--api-token-file", "CAAS_PUSH_SIM_API_TOKEN_FILE",
             "accepted Bearer tokens, one per line, '#' lines ignored (required)"},
    FlagSpec{"--seed", "CAAS_PUSH_SIM_SEED", "random seed of the fail_rate draws (1)"},
    FlagSpec{"--hold", "CAAS_PUSH_SIM_HOLD", "how long a held request waits before an answer is written (60s)"},
    FlagSpec{"--max-messages", "CAAS_PUSH_SIM_MAX_MESSAGES",
             "messages kept; beyond, POST /v1/messages -> 507 (1000000)"},
    FlagSpec{"--max-connections", "CAAS_PUSH_SIM_MAX_CONNECTIONS", "open connections at once (4096)"},
    FlagSpec{"--http-threads", "CAAS_PUSH_SIM_HTTP_THREADS", "HTTP I/O threads (4)"},
    FlagSpec{"--log-level", "CAAS_LOG_LEVEL", "debug, info, warn, error (info)"},
};

constexpr std::string_view kSynopsis =
    "caas-push-sim: a mobile push gateway (POST /v1/messages with Bearer tokens and\n"
    "Idempotency-Key, fault injection and read-outs through /control) for tests and the local demo.\n\n"
    "usage: caas-push-sim --api-token-file F [options]\n\n";

void read_variables(observability::EnvConfig& env, sim::CommandLine<SimulatorConfig>& cl) {
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
  cl.log_level = sim::read_log_level(env);
}

}  // namespace

const sim::CommandLineSpec<SimulatorConfig>& command_line_spec() {
  static const sim::CommandLineSpec<SimulatorConfig> spec{kSynopsis, kFlags, {}, &read_variables};
  return spec;
}

}  // namespace caas::push_sim
