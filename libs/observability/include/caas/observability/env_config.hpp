#pragma once
// Typed configuration from environment variables, validated once at start-up.
// Every accessor returns a usable value (the default when the variable is bad)
// and records a problem naming the variable; throw_if_errors() then throws one
// ConfigError listing every mistake, so an operator fixes them all in one go.
// An empty variable counts as unset.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "caas/observability/logger.hpp"

namespace caas::observability {

/// Looks a variable up; std::nullopt when unset. Injected so tests need not
/// touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The real process environment (std::getenv).
EnvLookup process_environment();

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

class EnvConfig {
 public:
  explicit EnvConfig(EnvLookup lookup = process_environment());

  std::string string(std::string_view name, std::string default_value);
  /// Records an error when unset.
  std::string required_string(std::string_view name);
  std::int64_t integer(std::string_view name, std::int64_t default_value, std::int64_t min, std::int64_t max);
  /// Accepts "500ms", "2s", "5m", "1h" or a plain number of milliseconds.
  std::chrono::milliseconds duration_ms(std::string_view name, std::chrono::milliseconds default_value,
                                        std::chrono::milliseconds min = std::chrono::milliseconds::zero(),
                                        std::chrono::milliseconds max = std::chrono::milliseconds::max());
  /// duration_ms that also accepts microseconds ("200us"), for delays below
  /// a millisecond.
  std::chrono::microseconds duration_us(std::string_view name, std::chrono::microseconds default_value,
                                        std::chrono::microseconds min, std::chrono::microseconds max);
  /// true/false, 1/0, yes/no, on/off (case-insensitive).
  bool boolean(std::string_view name, bool default_value);
  /// One of `allowed` (exact match).
  std::string enumeration(std::string_view name, const std::vector<std::string>& allowed, std::string default_value);
  /// Reads the file named by the variable: one secret per line, first = current;
  /// blank lines and surrounding whitespace dropped. Values are never logged
  /// or described. Unset → empty list (an error if `required`).
  std::vector<std::string> secret_file_lines(std::string_view name, bool required = false);
  /// A variable that holds a secret directly (discouraged; prefer *_FILE).
  std::string secret(std::string_view name, std::string default_value = {});

  /// Adds a problem detected by the caller (cross-field checks).
  void add_error(std::string problem);
  const std::vector<std::string>& errors() const { return errors_; }
  /// Throws ConfigError listing every recorded problem, if any.
  void throw_if_errors() const;

  /// One "NAME=value" line per variable read, in read order, noting defaults;
  /// secrets shown as ***.
  std::string describe() const;

 private:
  std::chrono::microseconds duration(std::string_view name, std::chrono::microseconds default_value,
                                     std::chrono::microseconds min, std::chrono::microseconds max, bool allow_us);
  struct Entry {
    std::string name;
    std::string shown;
    bool from_default;
  };
  std::optional<std::string> raw(std::string_view name) const;
  void note(std::string_view name, std::string shown, bool from_default);
  void bad(std::string_view name, const std::string& value, const std::string& expected);

  EnvLookup lookup_;
  std::vector<std::string> errors_;
  std::vector<Entry> seen_;
};

/// Parses "500ms", "2s", "5m", "1h", "250" (ms). nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text);
/// parse_duration_ms plus "200us".
std::optional<std::chrono::microseconds> parse_duration_us(std::string_view text);

/// The variables every service reads (DESIGN.md §7).
struct CommonConfig {
  std::string kafka_bootstrap = "localhost:9092";  // CAAS_KAFKA_BOOTSTRAP, host:port[,host:port...]
  std::string data_dir = "./data";                 // CAAS_DATA_DIR
  std::uint16_t http_port = 0;                     // CAAS_HTTP_PORT (0 = pick a free port)
  LogLevel log_level = LogLevel::info;             // CAAS_LOG_LEVEL
  std::string instance_id;                         // CAAS_INSTANCE_ID, default: hostname
};

/// Reads CommonConfig; problems are recorded in `env` (call throw_if_errors()
/// after reading the service's own variables).
CommonConfig load_common_config(EnvConfig& env, std::uint16_t default_port);

/// A logger for `service` with the instance id and level from `config`.
Logger make_logger(const CommonConfig& config, std::string service, std::FILE* out = stderr);

/// The host name, or "unknown-host".
std::string host_name();

}  // namespace caas::observability
