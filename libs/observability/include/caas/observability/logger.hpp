#pragma once
// Structured JSON-lines logger. One object per line with time (RFC 3339 UTC,
// milliseconds), level, service, instance, message, correlation_id and any
// typed fields the caller adds. The logger is an ordinary object created in
// main() and passed to whoever logs: no singleton, no global mutable state.
//
// Correlation ids travel in a thread_local scope (CorrelationScope) because
// threading them through every call would be noisy. Honest limit: the scope
// does not follow work posted to another thread or an Asio strand, so async
// handlers must re-open a scope (or pass a "correlation_id" field, which wins
// over the scope).

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace caas::observability {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

std::string_view to_string(LogLevel level);
/// Accepts debug|info|warn|warning|error (case-insensitive).
std::optional<LogLevel> parse_log_level(std::string_view text);

/// A secret that must never reach a log line: always printed as "***".
struct Redacted {
  std::string value;
};

using FieldValue = std::variant<std::string, std::int64_t, double, bool, Redacted>;

/// One typed key/value of a log line: {"order_id", id}, {"latency_ms", 12.5}.
struct Field {
  std::string key;
  FieldValue value;

  Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  Field(std::string k, std::string_view v) : key(std::move(k)), value(std::string(v)) {}
  Field(std::string k, const char* v) : key(std::move(k)), value(std::string(v ? v : "")) {}
  Field(std::string k, bool v) : key(std::move(k)), value(v) {}
  Field(std::string k, double v) : key(std::move(k)), value(v) {}
  Field(std::string k, float v) : key(std::move(k)), value(static_cast<double>(v)) {}
  Field(std::string k, Redacted v) : key(std::move(k)), value(std::move(v)) {}
  template <std::integral I>
  requires(!std::same_as<I, bool> && !std::same_as<I, char>) Field(std::string k, I v)
      : key(std::move(k)), value(static_cast<std::int64_t>(v)) {}
};

using Fields = std::vector<Field>;

/// Appends `text` to `out` as a JSON string literal (with the quotes):
/// quotes, backslashes and control characters escaped, invalid UTF-8 bytes
/// replaced by U+FFFD so the line always parses.
void append_json_string(std::string& out, std::string_view text);
std::string json_quote(std::string_view text);

/// Sets the current thread's correlation id for the lifetime of the scope and
/// restores the previous one on exit (scopes nest).
class CorrelationScope {
 public:
  explicit CorrelationScope(std::string correlation_id);
  ~CorrelationScope();
  CorrelationScope(const CorrelationScope&) = delete;
  CorrelationScope& operator=(const CorrelationScope&) = delete;

 private:
  std::string previous_;
};

/// The calling thread's correlation id ("" outside any scope).
const std::string& current_correlation_id();

struct LoggerOptions {
  std::string service;
  std::string instance;
  LogLevel level = LogLevel::info;
  /// Injected for deterministic tests; defaults to system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class Logger {
 public:
  /// Writes to `out` (default stderr). The FILE* is not owned.
  explicit Logger(LoggerOptions options, std::FILE* out = stderr);
  /// Writes to `out`, which must outlive the logger and its copies.
  Logger(LoggerOptions options, std::ostream& out);

  /// A logger sharing this one's output and level that adds `fields` to every
  /// line (e.g. a component name).
  Logger with(std::initializer_list<Field> fields) const;

  void set_level(LogLevel level);
  LogLevel level() const;
  bool enabled(LogLevel level) const;

  void log(LogLevel level, std::string_view message, std::initializer_list<Field> fields = {}) const;
  void log(LogLevel level, std::string_view message, const Fields& fields) const;
  void debug(std::string_view message, std::initializer_list<Field> fields = {}) const {
    log(LogLevel::debug, message, fields);
  }
  void info(std::string_view message, std::initializer_list<Field> fields = {}) const {
    log(LogLevel::info, message, fields);
  }
  void warn(std::string_view message, std::initializer_list<Field> fields = {}) const {
    log(LogLevel::warn, message, fields);
  }
  void error(std::string_view message, std::initializer_list<Field> fields = {}) const {
    log(LogLevel::error, message, fields);
  }

  /// Builds the line without writing it (exposed for tests and tools).
  std::string format(LogLevel level, std::string_view message, const Field* fields, std::size_t count) const;

 private:
  struct Shared;  // output, write mutex, level: shared by copies made with with()
  Logger(std::shared_ptr<Shared> shared, Fields bound);
  void write_line(LogLevel level, std::string_view message, const Field* fields, std::size_t count) const;

  std::shared_ptr<Shared> shared_;
  Fields bound_;
};

}  // namespace caas::observability

namespace caas {
namespace obs = observability;
}
