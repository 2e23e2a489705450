#include "app/config.hpp"

#include "domain/fault_plan.hpp"

#include <caas/events/json.hpp>

#include <array>
#include <random>

namespace caas::factory_sim {

namespace {

using namespace std::chrono_literals;

using sim::FlagSpec;

constexpr std::array kFlags{
    FlagSpec{"--address", "CAAS_FACTORY_SIM_ADDRESS", "bind address (127.0.0.1)"},
    FlagSpec{"--port", "CAAS_FACTORY_SIM_PORT", "listen port, 0 = ephemeral (0)"},
    FlagSpec{"--port-file", "CAAS_FACTORY_SIM_PORT_FILE", "write the bound port to this file once listening"},
    FlagSpec{"--api-token-file", "CAAS_FACTORY_SIM_API_TOKEN_FILE",
             "accepted Bearer tokens, one per line (required; falls back to CAAS_FACTORY_API_TOKEN_FILE)"},
    FlagSpec{"--forbidden-token-file", "CAAS_FACTORY_SIM_FORBIDDEN_TOKEN_FILE",
             "read-only tokens: status queries allowed, placing an order -> 403"},
    FlagSpec{"--webhook-url", "CAAS_FACTORY_SIM_WEBHOOK_URL",
             "where status webhooks go, e.g. http://127.0.0.1:8080/api/v1/webhooks/factory/status (none: no webhooks)"},
    FlagSpec{"--webhook-secret-file", "CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE",
             "HMAC secret, first line (falls back to CAAS_FACTORY_WEBHOOK_SECRETS_FILE)"},
    FlagSpec{"--stage-interval", "CAAS_FACTORY_SIM_STAGE_INTERVAL", "time per manufacturing stage (200ms)"},
    FlagSpec{"--retry-base", "CAAS_FACTORY_SIM_RETRY_BASE", "first webhook retry delay, doubled each retry (100ms)"},
    FlagSpec{"--webhook-attempts", "CAAS_FACTORY_SIM_WEBHOOK_ATTEMPTS", "delivery attempts per webhook (5)"},
    FlagSpec{"--retry-after-cap", "CAAS_FACTORY_SIM_RETRY_AFTER_CAP", "longest Retry-After honoured (2s)"},
    FlagSpec{"--webhook-timeout", "CAAS_FACTORY_SIM_WEBHOOK_TIMEOUT", "timeout of one delivery attempt (2s)"},
    FlagSpec{"--webhook-workers", "CAAS_FACTORY_SIM_WEBHOOK_WORKERS", "parallel webhook senders (4)"},
    FlagSpec{"--webhook-queue", "CAAS_FACTORY_SIM_WEBHOOK_QUEUE", "bound of the webhook queue (100000)"},
    FlagSpec{"--hold", "CAAS_FACTORY_SIM_HOLD", "how long a 'timeout' fault holds the answer (30s)"},
    FlagSpec{"--seed", "CAAS_FACTORY_SIM_SEED", "random seed for faults and plants (random, logged)"},
    FlagSpec{"--max-orders", "CAAS_FACTORY_SIM_MAX_ORDERS", "order book bound (100000)"},
    FlagSpec{"--catalogue-file", "CAAS_FACTORY_SIM_CATALOGUE_FILE",
             "JSON catalogue (platform_bases, option_codes, ...)"},
    FlagSpec{"--faults-file", "CAAS_FACTORY_SIM_FAULTS_FILE",
             "JSON fault plan applied at start (same as POST /control/faults)"},
    FlagSpec{"--http-threads", "CAAS_FACTORY_SIM_HTTP_THREADS", "HTTP I/O threads (2)"},
    FlagSpec{"--log-level", "CAAS_LOG_LEVEL", "debug, info, warn, error (info)"},
};

/// Older names the platform's own services use for the same files.
constexpr std::array kOlderNames{
    sim::OlderVariableName{"CAAS_FACTORY_SIM_API_TOKEN_FILE", "CAAS_FACTORY_API_TOKEN_FILE"},
    sim::OlderVariableName{"CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE", "CAAS_FACTORY_WEBHOOK_SECRETS_FILE"},
};

constexpr std::string_view kSynopsis =
    "caas-factory-sim: the Factory Order API of seed 000 (orders, status, signed webhooks,\n"
    "fault injection through /control) for tests and the local demo.\n\n"
    "usage: caas-factory-sim --api-token-file F [--webhook-url URL --webhook-secret-file F] [options]\n\n";

void read_files(observability::EnvConfig& env, SimulatorConfig& c) {
  if (auto path = env.string("CAAS_FACTORY_SIM_CATALOGUE_FILE", ""); !path.empty()) {
    auto text = sim::read_text_file(path);
    auto catalogue = text ? parse_catalogue(*text) : Result<Catalogue>(Error{{}, "cannot read " + path});
    if (catalogue) {
      c.catalogue = std::move(*catalogue);
    } else {
      env.add_error("CAAS_FACTORY_SIM_CATALOGUE_FILE: " + catalogue.error().message);
    }
  }
  if (auto path = env.string("CAAS_FACTORY_SIM_FAULTS_FILE", ""); !path.empty()) {
    auto text = sim::read_text_file(path);
    if (!text) {
      env.add_error("CAAS_FACTORY_SIM_FAULTS_FILE: cannot read " + path);
      return;
    }
    auto doc = events::parse_strict_json(*text);
    FaultPlan probe;
    if (!doc) {
      env.add_error("CAAS_FACTORY_SIM_FAULTS_FILE: " + doc.error().message);
    } else if (auto e = apply_fault_patch(probe, *doc)) {
      env.add_error("CAAS_FACTORY_SIM_FAULTS_FILE: " + e->message);
    } else {
      c.initial_faults = std::move(*text);
    }
  }
}

void read_variables(observability::EnvConfig& env, sim::CommandLine<SimulatorConfig>& cl) {
  auto& c = cl.config;
  c.address = env.string("CAAS_FACTORY_SIM_ADDRESS", "127.0.0.1");
  c.port = static_cast<std::uint16_t>(env.integer("CAAS_FACTORY_SIM_PORT", 0, 0, 65535));
  cl.port_file = env.string("CAAS_FACTORY_SIM_PORT_FILE", "");
  c.api_tokens = sim::without_comments(env.secret_file_lines("CAAS_FACTORY_SIM_API_TOKEN_FILE", /*required=*/true));
  c.read_only_tokens = sim::without_comments(env.secret_file_lines("CAAS_FACTORY_SIM_FORBIDDEN_TOKEN_FILE"));
  c.webhook_url = env.string("CAAS_FACTORY_SIM_WEBHOOK_URL", "");
  const auto secrets =
      sim::without_comments(env.secret_file_lines("CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE", !c.webhook_url.empty()));
  if (!secrets.empty()) c.webhook_secret = secrets.front();
  if (!c.webhook_url.empty() && secrets.empty()) {
    env.add_error("CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE: a webhook URL needs a secret");
  }
  c.stage_interval = env.duration_ms("CAAS_FACTORY_SIM_STAGE_INTERVAL", 200ms, 1ms, 24h);
  c.retry.base = env.duration_ms("CAAS_FACTORY_SIM_RETRY_BASE", 100ms, 1ms, 24h);
  c.retry.max_attempts = static_cast<int>(env.integer("CAAS_FACTORY_SIM_WEBHOOK_ATTEMPTS", 5, 1, 20));
  c.retry.retry_after_cap = env.duration_ms("CAAS_FACTORY_SIM_RETRY_AFTER_CAP", 2s, 0ms, 24h);
  c.webhook_timeout = env.duration_ms("CAAS_FACTORY_SIM_WEBHOOK_TIMEOUT", 2s, 10ms, 5min);
  c.webhook_workers = static_cast<unsigned>(env.integer("CAAS_FACTORY_SIM_WEBHOOK_WORKERS", 4, 1, 64));
  c.webhook_queue_capacity =
      static_cast<std::size_t>(env.integer("CAAS_FACTORY_SIM_WEBHOOK_QUEUE", 100000, 1, 10000000));
  c.hold = env.duration_ms("CAAS_FACTORY_SIM_HOLD", 30s, 1ms, 10min);
  const auto random_seed = static_cast<std::int64_t>(std::random_device{}() >> 1);
  c.seed = static_cast<std::uint64_t>(env.integer("CAAS_FACTORY_SIM_SEED", random_seed, 0, INT64_MAX));
  c.max_orders = static_cast<std::size_t>(env.integer("CAAS_FACTORY_SIM_MAX_ORDERS", 100000, 1, 10000000));
  c.http_threads = static_cast<unsigned>(env.integer("CAAS_FACTORY_SIM_HTTP_THREADS", 2, 1, 64));
  cl.log_level = sim::read_log_level(env);
  read_files(env, c);
  if (c.api_tokens.empty()) env.add_error("CAAS_FACTORY_SIM_API_TOKEN_FILE: no API token in the file");
}

}  // namespace

const sim::CommandLineSpec<SimulatorConfig>& command_line_spec() {
  static const sim::CommandLineSpec<SimulatorConfig> spec{kSynopsis, kFlags, kOlderNames, &read_variables};
  return spec;
}

}  // namespace caas::factory_sim
