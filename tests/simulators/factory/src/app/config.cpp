#include "app/config.hpp"

#include "domain/fault_plan.hpp"

#include <caas/events/json.hpp>

#include <array>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace caas::factory_sim {

namespace {

using namespace std::chrono_literals;

struct Flag {
  std::string_view flag;
  std::string_view env;
  std::string_view help;
};

constexpr std::array kFlags{
    Flag{"--address", "CAAS_FACTORY_SIM_ADDRESS", "bind address (127.0.0.1)"},
    Flag{"--port", "CAAS_FACTORY_SIM_PORT", "listen port, 0 = ephemeral (0)"},
    Flag{"--port-file", "CAAS_FACTORY_SIM_PORT_FILE", "write the bound port to this file once listening"},
    Flag{"--api-token-file", "CAAS_FACTORY_SIM_API_TOKEN_FILE",
         "accepted Bearer tokens, one per line (required; falls back to CAAS_FACTORY_API_TOKEN_FILE)"},
    Flag{"--forbidden-token-file", "CAAS_FACTORY_SIM_FORBIDDEN_TOKEN_FILE",
         "read-only tokens: status queries allowed, placing an order -> 403"},
    Flag{"--webhook-url", "CAAS_FACTORY_SIM_WEBHOOK_URL",
         "where status webhooks go, e.g. http://127.0.0.1:8080/api/v1/webhooks/factory/status (none: no webhooks)"},
    Flag{"--webhook-secret-file", "CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE",
         "HMAC secret, first line (falls back to CAAS_FACTORY_WEBHOOK_SECRETS_FILE)"},
    Flag{"--stage-interval", "CAAS_FACTORY_SIM_STAGE_INTERVAL", "time per manufacturing stage (200ms)"},
    Flag{"--retry-base", "CAAS_FACTORY_SIM_RETRY_BASE", "first webhook retry delay, doubled each retry (100ms)"},
    Flag{"--webhook-attempts", "CAAS_FACTORY_SIM_WEBHOOK_ATTEMPTS", "delivery attempts per webhook (5)"},
    Flag{"--retry-after-cap", "CAAS_FACTORY_SIM_RETRY_AFTER_CAP", "longest Retry-After honoured (2s)"},
    Flag{"--webhook-timeout", "CAAS_FACTORY_SIM_WEBHOOK_TIMEOUT", "timeout of one delivery attempt (2s)"},
    Flag{"--webhook-workers", "CAAS_FACTORY_SIM_WEBHOOK_WORKERS", "parallel webhook senders (4)"},
    Flag{"--webhook-queue", "CAAS_FACTORY_SIM_WEBHOOK_QUEUE", "bound of the webhook queue (100000)"},
    Flag{"--hold", "CAAS_FACTORY_SIM_HOLD", "how long a 'timeout' fault holds the answer (30s)"},
    Flag{"--seed", "CAAS_FACTORY_SIM_SEED", "random seed for faults and plants (random, logged)"},
    Flag{"--max-orders", "CAAS_FACTORY_SIM_MAX_ORDERS", "order book bound (100000)"},
    Flag{"--catalogue-file", "CAAS_FACTORY_SIM_CATALOGUE_FILE", "JSON catalogue (platform_bases, option_codes, ...)"},
    Flag{"--faults-file", "CAAS_FACTORY_SIM_FAULTS_FILE",
         "JSON fault plan applied at start (same as POST /control/faults)"},
    Flag{"--http-threads", "CAAS_FACTORY_SIM_HTTP_THREADS", "HTTP I/O threads (2)"},
    Flag{"--log-level", "CAAS_LOG_LEVEL", "debug, info, warn, error (info)"},
};

/// Older names the platform's own services use for the same files.
const std::map<std::string, std::string, std::less<>> kAliases{
    {"CAAS_FACTORY_SIM_API_TOKEN_FILE", "CAAS_FACTORY_API_TOKEN_FILE"},
    {"CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE", "CAAS_FACTORY_WEBHOOK_SECRETS_FILE"},
};

const Flag* find_flag(std::string_view name) {
  for (const auto& f : kFlags) {
    if (f.flag == name) return &f;
  }
  return nullptr;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Drops '#' comment lines, as SecretSet (which webhook-ingress verifies
/// with) does, so both sides sign with the same first secret.
std::vector<std::string> without_comments(std::vector<std::string> lines) {
  std::erase_if(lines, [](const std::string& l) { return l.starts_with('#'); });
  return lines;
}

void read_files(observability::EnvConfig& env, SimulatorConfig& c) {
  if (auto path = env.string("CAAS_FACTORY_SIM_CATALOGUE_FILE", ""); !path.empty()) {
    auto text = read_file(path);
    auto catalogue = text ? parse_catalogue(*text) : Result<Catalogue>(Error{{}, "cannot read " + path});
    if (catalogue) {
      c.catalogue = std::move(*catalogue);
    } else {
      env.add_error("CAAS_FACTORY_SIM_CATALOGUE_FILE: " + catalogue.error().message);
    }
  }
  if (auto path = env.string("CAAS_FACTORY_SIM_FAULTS_FILE", ""); !path.empty()) {
    auto text = read_file(path);
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
    if (auto v = environment(name)) return v;
    if (auto alias = kAliases.find(name); alias != kAliases.end()) return environment(alias->second);
    return std::nullopt;
  });
  for (auto& p : problems) env.add_error(std::move(p));

  auto& c = cl.config;
  c.address = env.string("CAAS_FACTORY_SIM_ADDRESS", "127.0.0.1");
  c.port = static_cast<std::uint16_t>(env.integer("CAAS_FACTORY_SIM_PORT", 0, 0, 65535));
  cl.port_file = env.string("CAAS_FACTORY_SIM_PORT_FILE", "");
  c.api_tokens = without_comments(env.secret_file_lines("CAAS_FACTORY_SIM_API_TOKEN_FILE", /*required=*/true));
  c.read_only_tokens = without_comments(env.secret_file_lines("CAAS_FACTORY_SIM_FORBIDDEN_TOKEN_FILE"));
  c.webhook_url = env.string("CAAS_FACTORY_SIM_WEBHOOK_URL", "");
  const auto secrets =
      without_comments(env.secret_file_lines("CAAS_FACTORY_SIM_WEBHOOK_SECRET_FILE", !c.webhook_url.empty()));
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
  const auto level = env.enumeration("CAAS_LOG_LEVEL", {"debug", "info", "warn", "error"}, "info");
  cl.log_level = observability::parse_log_level(level).value_or(observability::LogLevel::info);
  read_files(env, c);
  if (c.api_tokens.empty()) env.add_error("CAAS_FACTORY_SIM_API_TOKEN_FILE: no API token in the file");
  env.throw_if_errors();
  cl.effective = env.describe();
  return cl;
}

std::string usage() {
  std::string text =
      "caas-factory-sim: the Factory Order API of seed 000 (orders, status, signed webhooks,\n"
      "fault injection through /control) for tests and the local demo.\n\n"
      "usage: caas-factory-sim --api-token-file F [--webhook-url URL --webhook-secret-file F] [options]\n\n"
      "Every option can also be given as the environment variable shown.\n\n";
  for (const auto& f : kFlags) {
    text += "  " + std::string(f.flag) + " (" + std::string(f.env) + ")\n      " + std::string(f.help) + "\n";
  }
  text += "  --help, --version\n";
  return text;
}

}  // namespace caas::factory_sim
