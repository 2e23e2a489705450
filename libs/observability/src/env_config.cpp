#include "caas/observability/env_config.hpp"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace caas::observability {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end || s.empty()) return std::nullopt;
  return v;
}

std::string format_us(std::chrono::microseconds d) {
  if (d.count() % 1000 != 0) return std::to_string(d.count()) + "us";
  return std::to_string(d.count() / 1000) + "ms";
}

// Milliseconds as microseconds, saturating (milliseconds::max() means "unbounded").
std::chrono::microseconds to_us(std::chrono::milliseconds d) {
  constexpr auto kLimit = std::chrono::microseconds::max().count() / 1000;
  if (d.count() > kLimit) return std::chrono::microseconds::max();
  if (d.count() < -kLimit) return std::chrono::microseconds::min();
  return d;
}

// "250us" (if allowed), "500ms", "2s", "5m", "1h" or a plain number of milliseconds.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text, bool allow_us);

// Values of rejected variables are quoted in errors (they are not secrets:
// secret accessors never echo values), but bounded so a pasted blob stays readable.
std::string shown_value(const std::string& v) {
  constexpr std::size_t kMax = 64;
  return v.size() > kMax ? v.substr(0, kMax) + "..." : v;
}

// URLs may embed credentials (smtp://user:password@host): mask the user-info
// part when describing configuration.
std::string mask_userinfo(const std::string& v) {
  const auto scheme = v.find("://");
  if (scheme == std::string::npos) return v;
  const auto at = v.find('@', scheme + 3);
  const auto slash = v.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return v;
  return v.substr(0, scheme + 3) + "***" + v.substr(at);
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

namespace {
std::string join_problems(const std::vector<std::string>& problems) {
  std::string msg = "invalid configuration (" + std::to_string(problems.size()) + " problem" +
                    (problems.size() == 1 ? "" : "s") + "):";
  for (const auto& p : problems) msg += "\n  - " + p;
  return msg;
}
}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

namespace {
std::optional<std::chrono::microseconds> parse_duration(std::string_view text, bool allow_us) {
  const std::string t = trim(text);
  std::size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  if (digits == 0) return std::nullopt;
  const auto number = parse_int(std::string_view(t).substr(0, digits));
  if (!number) return std::nullopt;
  const std::string unit = lower(std::string_view(t).substr(digits));
  std::int64_t factor = 0;  // microseconds per unit
  if (unit == "us" && allow_us) {
    factor = 1;
  } else if (unit.empty() || unit == "ms") {
    factor = 1'000;
  } else if (unit == "s") {
    factor = 1'000'000;
  } else if (unit == "m") {
    factor = 60'000'000;
  } else if (unit == "h") {
    factor = 3'600'000'000;
  } else {
    return std::nullopt;
  }
  if (*number > std::numeric_limits<std::int64_t>::max() / factor) return std::nullopt;
  return std::chrono::microseconds(*number * factor);
}
}  // namespace

std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text) {
  const auto us = parse_duration(text, false);
  if (!us) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*us);
}

std::optional<std::chrono::microseconds> parse_duration_us(std::string_view text) {
  return parse_duration(text, true);
}

EnvConfig::EnvConfig(EnvLookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> EnvConfig::raw(std::string_view name) const {
  auto v = lookup_(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

void EnvConfig::note(std::string_view name, std::string shown, bool from_default) {
  seen_.push_back(Entry{std::string(name), std::move(shown), from_default});
}

void EnvConfig::bad(std::string_view name, const std::string& value, const std::string& expected) {
  errors_.push_back(std::string(name) + "=\"" + shown_value(value) + "\": " + expected);
}

std::string EnvConfig::string(std::string_view name, std::string default_value) {
  auto v = raw(name);
  const bool def = !v;
  std::string out = v ? *v : std::move(default_value);
  note(name, mask_userinfo(out), def);
  return out;
}

std::string EnvConfig::required_string(std::string_view name) {
  auto v = raw(name);
  if (!v) {
    errors_.push_back(std::string(name) + ": required but not set");
    note(name, "<unset>", false);
    return {};
  }
  note(name, mask_userinfo(*v), false);
  return *v;
}

std::int64_t EnvConfig::integer(std::string_view name, std::int64_t default_value, std::int64_t min, std::int64_t max) {
  auto v = raw(name);
  if (!v) {
    note(name, std::to_string(default_value), true);
    return default_value;
  }
  const auto parsed = parse_int(trim(*v));
  if (!parsed) {
    bad(name, *v, "expected an integer between " + std::to_string(min) + " and " + std::to_string(max));
  } else if (*parsed < min || *parsed > max) {
    bad(name, *v, "out of range, expected " + std::to_string(min) + ".." + std::to_string(max));
  } else {
    note(name, std::to_string(*parsed), false);
    return *parsed;
  }
  note(name, std::to_string(default_value), true);
  return default_value;
}

std::chrono::milliseconds EnvConfig::duration_ms(std::string_view name, std::chrono::milliseconds default_value,
                                                 std::chrono::milliseconds min, std::chrono::milliseconds max) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      duration(name, to_us(default_value), to_us(min), to_us(max), false));
}

std::chrono::microseconds EnvConfig::duration_us(std::string_view name, std::chrono::microseconds default_value,
                                                 std::chrono::microseconds min, std::chrono::microseconds max) {
  return duration(name, default_value, min, max, true);
}

std::chrono::microseconds EnvConfig::duration(std::string_view name, std::chrono::microseconds default_value,
                                              std::chrono::microseconds min, std::chrono::microseconds max,
                                              bool allow_us) {
  auto v = raw(name);
  if (!v) {
    note(name, format_us(default_value), true);
    return default_value;
  }
  const auto parsed = parse_duration(*v, allow_us);
  if (!parsed) {
    bad(name, *v,
        std::string("expected a duration such as ") + (allow_us ? "200us, " : "") +
            "500ms, 2s, 5m, 1h or plain milliseconds");
  } else if (*parsed < min || *parsed > max) {
    bad(name, *v,
        "out of range, expected " + format_us(min) + ".." +
            (max == std::chrono::microseconds::max() ? std::string("unbounded") : format_us(max)));
  } else {
    note(name, format_us(*parsed), false);
    return *parsed;
  }
  note(name, format_us(default_value), true);
  return default_value;
}
bool EnvConfig::boolean(std::string_view name, bool default_value) {
  auto v = raw(name);
  if (v) {
    const std::string l = lower(trim(*v));
    if (l == "true" || l == "1" || l == "yes" || l == "on") {
      note(name, "true", false);
      return true;
    }
    if (l == "false" || l == "0" || l == "no" || l == "off") {
      note(name, "false", false);
      return false;
    }
    bad(name, *v, "expected true/false, 1/0, yes/no or on/off");
  }
  note(name, default_value ? "true" : "false", true);
  return default_value;
}

std::string EnvConfig::enumeration(std::string_view name, const std::vector<std::string>& allowed,
                                   std::string default_value) {
  auto v = raw(name);
  if (v) {
    for (const auto& a : allowed) {
      if (a == *v) {
        note(name, *v, false);
        return *v;
      }
    }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
    bad(name, *v, "expected one of " + list);
  }
  note(name, default_value, true);
  return default_value;
}

std::vector<std::string> EnvConfig::secret_file_lines(std::string_view name, bool required) {
  auto path = raw(name);
  if (!path) {
    if (required) errors_.push_back(std::string(name) + ": required but not set (path of a secrets file)");
    note(name, "<unset>", true);
    return {};
  }
  std::ifstream in(*path);
  if (!in) {
    errors_.push_back(std::string(name) + "=\"" + *path + "\": cannot read the file");
    note(name, *path + " (unreadable)", false);
    return {};
  }
  std::vector<std::string> secrets;
  for (std::string line; std::getline(in, line);) {
    auto t = trim(line);
    if (!t.empty() && t.front() != '#') secrets.push_back(std::move(t));  // same rule as SecretSet
  }
  if (secrets.empty()) errors_.push_back(std::string(name) + "=\"" + *path + "\": the file holds no secret");
  // The path is not secret; the values are never shown.
  note(name, *path + " (" + std::to_string(secrets.size()) + " secret" + (secrets.size() == 1 ? "" : "s") + ": ***)",
       false);
  return secrets;
}

std::string EnvConfig::secret(std::string_view name, std::string default_value) {
  auto v = raw(name);
  note(name, v ? "***" : (default_value.empty() ? "<unset>" : "***"), !v);
  return v ? *v : std::move(default_value);
}

void EnvConfig::add_error(std::string problem) {
  errors_.push_back(std::move(problem));
}

void EnvConfig::throw_if_errors() const {
  if (!errors_.empty()) throw ConfigError(errors_);
}

std::string EnvConfig::describe() const {
  std::string out;
  for (const auto& e : seen_) {
    out += e.name + "=" + e.shown + (e.from_default ? " (default)" : "") + "\n";
  }
  return out;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown-host";
  return buf;
}

CommonConfig load_common_config(EnvConfig& env, std::uint16_t default_port) {
  CommonConfig c;
  c.kafka_bootstrap = env.string("CAAS_KAFKA_BOOTSTRAP", c.kafka_bootstrap);
  // host:port[,host:port...]: catch the classic "forgot the port" early.
  std::stringstream list(c.kafka_bootstrap);
  for (std::string item; std::getline(list, item, ',');) {
    const auto colon = item.rfind(':');
    const bool port_ok = colon != std::string::npos && colon > 0 && parse_int(item.substr(colon + 1)).has_value();
    if (!port_ok) {
      env.add_error("CAAS_KAFKA_BOOTSTRAP=\"" + c.kafka_bootstrap + "\": expected host:port[,host:port...]");
      break;
    }
  }
  c.data_dir = env.string("CAAS_DATA_DIR", c.data_dir);
  c.http_port = static_cast<std::uint16_t>(env.integer("CAAS_HTTP_PORT", default_port, 0, 65535));
  const auto level_text = env.string("CAAS_LOG_LEVEL", "info");
  if (auto level = parse_log_level(level_text)) {
    c.log_level = *level;
  } else {
    env.add_error("CAAS_LOG_LEVEL=\"" + shown_value(level_text) + "\": expected one of debug|info|warn|error");
  }
  c.instance_id = env.string("CAAS_INSTANCE_ID", host_name());
  return c;
}

Logger make_logger(const CommonConfig& config, std::string service, std::FILE* out) {
  LoggerOptions options;
  options.service = std::move(service);
  options.instance = config.instance_id;
  options.level = config.log_level;
  return Logger(std::move(options), out);
}

}  // namespace caas::observability
