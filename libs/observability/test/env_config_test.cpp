#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "caas/observability/env_config.hpp"

using namespace caas::observability;
using namespace std::chrono_literals;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& content) {
    path = std::filesystem::temp_directory_path() / ("caas-env-test-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path) << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

TEST_CASE("durations accept units and plain milliseconds", "[env]") {
  CHECK(parse_duration_ms("500ms") == 500ms);
  CHECK(parse_duration_ms("2s") == 2000ms);
  CHECK(parse_duration_ms("5m") == 300000ms);
  CHECK(parse_duration_ms("1h") == 3600000ms);
  CHECK(parse_duration_ms("250") == 250ms);
  CHECK_FALSE(parse_duration_ms("").has_value());
  CHECK_FALSE(parse_duration_ms("-5s").has_value());
  CHECK_FALSE(parse_duration_ms("5 parsecs").has_value());
  CHECK_FALSE(parse_duration_ms("ms").has_value());
  CHECK_FALSE(parse_duration_ms("200us").has_value());  // microseconds only where asked for
}

TEST_CASE("microsecond durations: units, plain milliseconds, range and description", "[env]") {
  CHECK(parse_duration_us("200us") == 200us);
  CHECK(parse_duration_us("2ms") == 2000us);
  CHECK(parse_duration_us("3") == 3000us);
  CHECK(parse_duration_us("1s") == 1'000'000us);
  CHECK_FALSE(parse_duration_us("0.5ms").has_value());
  CHECK_FALSE(parse_duration_us("us").has_value());
  EnvConfig env(fake_env({{"A_US", "250us"}, {"A_MS", "2ms"}, {"TOO_BIG", "2s"}}));
  CHECK(env.duration_us("A_US", 1us, 0us, 1s) == 250us);
  CHECK(env.duration_us("A_MS", 1us, 0us, 1s) == 2000us);
  CHECK(env.duration_us("MISSING", 200us, 0us, 1s) == 200us);
  CHECK(env.duration_us("TOO_BIG", 200us, 0us, 1s) == 200us);
  const auto d = env.describe();
  CHECK(d.find("A_US=250us\n") != std::string::npos);
  CHECK(d.find("A_MS=2ms\n") != std::string::npos);
  CHECK(d.find("MISSING=200us (default)") != std::string::npos);
  REQUIRE(env.errors().size() == 1);
  CHECK(env.errors()[0].find("TOO_BIG") != std::string::npos);
  CHECK(env.errors()[0].find("0ms..1000ms") != std::string::npos);
}

TEST_CASE("typed accessors return values and defaults", "[env]") {
  EnvConfig env(fake_env(
      {{"A_STR", "x"}, {"A_INT", "42"}, {"A_DUR", "2s"}, {"A_BOOL", "Yes"}, {"A_ENUM", "json"}, {"A_EMPTY", ""}}));
  CHECK(env.string("A_STR", "d") == "x");
  CHECK(env.string("A_EMPTY", "d") == "d");
  CHECK(env.integer("A_INT", 1, 0, 100) == 42);
  CHECK(env.integer("MISSING_INT", 7, 0, 100) == 7);
  CHECK(env.duration_ms("A_DUR", 1ms) == 2000ms);
  CHECK(env.boolean("A_BOOL", false));
  CHECK(env.enumeration("A_ENUM", {"text", "json"}, "text") == "json");
  CHECK(env.required_string("A_STR") == "x");
  CHECK_NOTHROW(env.throw_if_errors());
  const auto d = env.describe();
  CHECK(d.find("A_INT=42\n") != std::string::npos);
  CHECK(d.find("MISSING_INT=7 (default)") != std::string::npos);
}

TEST_CASE("every bad variable is reported at once, each named", "[env]") {
  EnvConfig env(fake_env({{"CAAS_HTTP_PORT", "70000"},
                          {"CAAS_LOG_LEVEL", "loud"},
                          {"T_DUR", "soon"},
                          {"T_BOOL", "maybe"},
                          {"T_INT", "12abc"}}));
  (void)load_common_config(env, 8081);
  (void)env.duration_ms("T_DUR", 1s);
  (void)env.boolean("T_BOOL", true);
  (void)env.integer("T_INT", 0, 0, 100);
  (void)env.required_string("T_REQUIRED");
  REQUIRE(env.errors().size() == 6);
  try {
    env.throw_if_errors();
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    for (const char* name : {"CAAS_HTTP_PORT", "CAAS_LOG_LEVEL", "T_DUR", "T_BOOL", "T_INT", "T_REQUIRED"}) {
      INFO(name);
      CHECK(what.find(name) != std::string::npos);
    }
    CHECK(e.problems().size() == 6);
  }
}

TEST_CASE("common config defaults follow DESIGN.md section 7", "[env]") {
  EnvConfig env(fake_env({}));
  const auto c = load_common_config(env, 8083);
  env.throw_if_errors();
  CHECK(c.kafka_bootstrap == "localhost:9092");
  CHECK(c.data_dir == "./data");
  CHECK(c.http_port == 8083);
  CHECK(c.log_level == LogLevel::info);
  CHECK(c.instance_id == host_name());

  EnvConfig bad(fake_env({{"CAAS_KAFKA_BOOTSTRAP", "broker-without-port"}}));
  (void)load_common_config(bad, 8083);
  REQUIRE(bad.errors().size() == 1);
  CHECK(bad.errors()[0].find("CAAS_KAFKA_BOOTSTRAP") != std::string::npos);
}

TEST_CASE("secret files are read line by line and never described", "[env]") {
  TempFile f("# rotated 2026-11\ncurrent-secret\n\n  previous-secret  \n");
  EnvConfig env(fake_env({{"CAAS_FACTORY_WEBHOOK_SECRETS_FILE", f.path.string()}, {"CAAS_TOKEN", "tok"}}));
  const auto secrets = env.secret_file_lines("CAAS_FACTORY_WEBHOOK_SECRETS_FILE");
  CHECK(secrets == std::vector<std::string>{"current-secret", "previous-secret"});
  CHECK(env.secret("CAAS_TOKEN") == "tok");
  const auto d = env.describe();
  CHECK(d.find("current-secret") == std::string::npos);
  CHECK(d.find("previous-secret") == std::string::npos);
  CHECK(d.find("tok\n") == std::string::npos);
  CHECK(d.find("2 secrets") != std::string::npos);

  EnvConfig urls(fake_env({{"CAAS_SMTP_URL", "smtp://mailer:hunter2@localhost:2525/x"}}));
  CHECK(urls.string("CAAS_SMTP_URL", "") == "smtp://mailer:hunter2@localhost:2525/x");
  CHECK(urls.describe() == "CAAS_SMTP_URL=smtp://***@localhost:2525/x\n");

  EnvConfig missing(fake_env({{"CAAS_IOT_WEBHOOK_SECRETS_FILE", "/nonexistent/caas/secrets"}}));
  CHECK(missing.secret_file_lines("CAAS_IOT_WEBHOOK_SECRETS_FILE").empty());
  (void)missing.secret_file_lines("CAAS_API_KEYS_FILE", true);
  CHECK(missing.errors().size() == 2);
}
