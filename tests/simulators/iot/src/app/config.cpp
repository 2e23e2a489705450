#include "app/config.hpp"

#include <caas/events/json.hpp>
#include <caas/security/secrets.hpp>

#include <array>
#include <random>
#include <stdexcept>

namespace caas::iot_sim {

namespace {

using namespace std::chrono_literals;

using sim::FlagSpec;

constexpr std::array kFlags{
    FlagSpec{"--address", "CAAS_IOT_SIM_ADDRESS", "bind address (127.0.0.1; the control API has no authentication)"},
    FlagSpec{"--port", "CAAS_IOT_SIM_PORT", "listen port, 0 = ephemeral (0)"},
    FlagSpec{"--port-file", "CAAS_IOT_SIM_PORT_FILE", "write the bound port to this file once listening"},
    FlagSpec{
        "--api-token-file", "CAAS_IOT_SIM_API_TOKEN_FILE",
        "accepted Bearer tokens, one per line, '#' lines ignored (required; falls back to CAAS_IOT_API_TOKEN_FILE)"},
    FlagSpec{"--webhook-secret-file", "CAAS_IOT_SIM_WEBHOOK_SECRET_FILE",
             "Standard Webhooks secret, first line signs, raw or whsec_<base64> (falls back to "
             "CAAS_IOT_WEBHOOK_SECRETS_FILE)"},
    FlagSpec{"--telemetry-url", "CAAS_IOT_SIM_TELEMETRY_URL",
             "where telemetry batches go, e.g. http://127.0.0.1:8080/api/v1/webhooks/iot/telemetry (none: not sent)"},
    FlagSpec{"--command-status-url", "CAAS_IOT_SIM_COMMAND_STATUS_URL",
             "where command-status webhooks go, e.g. http://127.0.0.1:8080/api/v1/webhooks/iot/command-status"},
    FlagSpec{"--vehicles", "CAAS_IOT_SIM_VEHICLES", "fleet size (10)"},
    FlagSpec{"--seed", "CAAS_IOT_SIM_SEED", "random seed of the fleet, its journeys and the faults (random, logged)"},
    FlagSpec{"--telemetry-interval", "CAAS_IOT_SIM_TELEMETRY_INTERVAL", "one reading per vehicle every (1s)"},
    FlagSpec{"--batch-size", "CAAS_IOT_SIM_BATCH_SIZE", "readings per telemetry webhook, 1..500 (50)"},
    FlagSpec{"--apply-delay", "CAAS_IOT_SIM_APPLY_DELAY", "ACCEPTED to APPLIED/REJECTED/FAILED (100ms)"},
    FlagSpec{"--command-ttl", "CAAS_IOT_SIM_COMMAND_TTL",
             "how long a command waits for an offline vehicle before FAILED VEHICLE_OFFLINE (60s)"},
    FlagSpec{"--hold", "CAAS_IOT_SIM_HOLD", "how long a 'timeout' fault holds the answer (30s)"},
    FlagSpec{"--retry-base", "CAAS_IOT_SIM_RETRY_BASE", "first webhook retry delay, doubled each retry (100ms)"},
    FlagSpec{"--webhook-attempts", "CAAS_IOT_SIM_WEBHOOK_ATTEMPTS", "delivery attempts per webhook (6)"},
    FlagSpec{"--retry-after-cap", "CAAS_IOT_SIM_RETRY_AFTER_CAP", "longest Retry-After honoured (2s)"},
    FlagSpec{"--webhook-timeout", "CAAS_IOT_SIM_WEBHOOK_TIMEOUT", "timeout of one delivery attempt (2s)"},
    FlagSpec{"--webhook-workers", "CAAS_IOT_SIM_WEBHOOK_WORKERS", "parallel webhook senders (4)"},
    FlagSpec{"--webhook-queue", "CAAS_IOT_SIM_WEBHOOK_QUEUE", "bound of the webhook queue (10000)"},
    FlagSpec{"--max-commands", "CAAS_IOT_SIM_MAX_COMMANDS", "commands kept; beyond, 503 (100000)"},
    FlagSpec{"--faults-file", "CAAS_IOT_SIM_FAULTS_FILE",
             "JSON fault document applied at start (same as POST /control/faults)"},
    FlagSpec{"--http-threads", "CAAS_IOT_SIM_HTTP_THREADS", "HTTP I/O threads (2)"},
    FlagSpec{"--log-level", "CAAS_LOG_LEVEL", "debug, info, warn, error (info)"},
};

/// Older names: the ones the platform's own services use for the same files.
constexpr std::array kOlderNames{
    sim::OlderVariableName{"CAAS_IOT_SIM_API_TOKEN_FILE", "CAAS_IOT_API_TOKEN_FILE"},
    sim::OlderVariableName{"CAAS_IOT_SIM_WEBHOOK_SECRET_FILE", "CAAS_IOT_WEBHOOK_SECRETS_FILE"},
};

constexpr std::string_view kSynopsis =
    "caas-iot-sim: the API IoT of DESIGN.md §2 (a seeded fleet; configuration commands with signed\n"
    "command-status webhooks, status, display messages, signed telemetry batches; fault injection\n"
    "through /control) for tests and the local demo.\n\n"
    "usage: caas-iot-sim --api-token-file F [--webhook-secret-file F --telemetry-url URL\n"
    "                    --command-status-url URL] [--vehicles N --seed S] [options]\n\n";

/// The current (first) secret, decoded like the ingress decodes it.
std::string current_secret(observability::EnvConfig& env, bool required) {
  const auto lines = sim::without_comments(env.secret_file_lines("CAAS_IOT_SIM_WEBHOOK_SECRET_FILE", required));
  if (lines.empty()) {
    if (required) env.add_error("CAAS_IOT_SIM_WEBHOOK_SECRET_FILE: a webhook URL needs a secret");
    return {};
  }
  try {
    return security::SecretSet::parse(lines.front(), "CAAS_IOT_SIM_WEBHOOK_SECRET_FILE").current();
  } catch (const std::exception& e) {
    env.add_error(std::string("CAAS_IOT_SIM_WEBHOOK_SECRET_FILE: ") + e.what());
    return {};
  }
}

void read_faults_file(observability::EnvConfig& env, SimulatorConfig& c) {
  const auto path = env.string("CAAS_IOT_SIM_FAULTS_FILE", "");
  if (path.empty()) return;
  auto text = sim::read_text_file(path);
  if (!text) {
    env.add_error("CAAS_IOT_SIM_FAULTS_FILE: cannot read " + path);
  } else if (auto doc = events::parse_strict_json(*text); !doc) {
    env.add_error("CAAS_IOT_SIM_FAULTS_FILE: " + doc.error().message);
  } else {
    // Its members (VINs included) are checked by the simulator, which knows the fleet.
    c.initial_faults = std::move(*text);
  }
}

void read_variables(observability::EnvConfig& env, sim::CommandLine<SimulatorConfig>& cl) {
  auto& c = cl.config;
  c.address = env.string("CAAS_IOT_SIM_ADDRESS", "127.0.0.1");
  c.port = static_cast<std::uint16_t>(env.integer("CAAS_IOT_SIM_PORT", 0, 0, 65535));
  cl.port_file = env.string("CAAS_IOT_SIM_PORT_FILE", "");
  c.api_tokens = sim::without_comments(env.secret_file_lines("CAAS_IOT_SIM_API_TOKEN_FILE", /*required=*/true));
  c.telemetry_url = env.string("CAAS_IOT_SIM_TELEMETRY_URL", "");
  c.command_status_url = env.string("CAAS_IOT_SIM_COMMAND_STATUS_URL", "");
  c.webhook_secret = current_secret(env, !c.telemetry_url.empty() || !c.command_status_url.empty());
  c.vehicles = static_cast<std::size_t>(env.integer("CAAS_IOT_SIM_VEHICLES", 10, 1, 100000));
  const auto random_seed = static_cast<std::int64_t>(std::random_device{}() >> 1);
  c.seed = static_cast<std::uint64_t>(env.integer("CAAS_IOT_SIM_SEED", random_seed, 0, INT64_MAX));
  c.telemetry_interval = env.duration_ms("CAAS_IOT_SIM_TELEMETRY_INTERVAL", 1s, 10ms, 24h);
  c.batch_size = static_cast<std::size_t>(env.integer("CAAS_IOT_SIM_BATCH_SIZE", 50, 1, 500));
  c.network.apply_delay = env.duration_ms("CAAS_IOT_SIM_APPLY_DELAY", 100ms, 0ms, 10min);
  c.network.command_ttl = env.duration_ms("CAAS_IOT_SIM_COMMAND_TTL", 60s, 1ms, 24h);
  c.network.max_commands = static_cast<std::size_t>(env.integer("CAAS_IOT_SIM_MAX_COMMANDS", 100000, 1, 10000000));
  c.hold = env.duration_ms("CAAS_IOT_SIM_HOLD", 30s, 1ms, 10min);
  c.retry.base = env.duration_ms("CAAS_IOT_SIM_RETRY_BASE", 100ms, 1ms, 24h);
  c.retry.max_attempts = static_cast<int>(env.integer("CAAS_IOT_SIM_WEBHOOK_ATTEMPTS", 6, 1, 20));
  c.retry.retry_after_cap = env.duration_ms("CAAS_IOT_SIM_RETRY_AFTER_CAP", 2s, 0ms, 24h);
  c.webhook_timeout = env.duration_ms("CAAS_IOT_SIM_WEBHOOK_TIMEOUT", 2s, 10ms, 5min);
  c.webhook_workers = static_cast<unsigned>(env.integer("CAAS_IOT_SIM_WEBHOOK_WORKERS", 4, 1, 64));
  c.webhook_queue_capacity = static_cast<std::size_t>(env.integer("CAAS_IOT_SIM_WEBHOOK_QUEUE", 10000, 1, 10000000));
  c.http_threads = static_cast<unsigned>(env.integer("CAAS_IOT_SIM_HTTP_THREADS", 2, 1, 64));
  cl.log_level = sim::read_log_level(env);
  read_faults_file(env, c);
  if (c.api_tokens.empty()) env.add_error("CAAS_IOT_SIM_API_TOKEN_FILE: no API token in the file");
}

}  // namespace

const sim::CommandLineSpec<SimulatorConfig>& command_line_spec() {
  static const sim::CommandLineSpec<SimulatorConfig> spec{kSynopsis, kFlags, kOlderNames, &read_variables};
  return spec;
}

}  // namespace caas::iot_sim
