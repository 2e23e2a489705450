#include "caas/observability/logger.hpp"
#include <caas/core/time.hpp>
#include <caas/core/utf8.hpp>

#include <charconv>
#include <cmath>
#include <ctime>
#include <mutex>
#include <ostream>

namespace caas::observability {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  std::string lower;
  lower.reserve(text.size());
  for (char c : text) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (lower == "debug") return LogLevel::debug;
  if (lower == "info") return LogLevel::info;
  if (lower == "warn" || lower == "warning") return LogLevel::warn;
  if (lower == "error") return LogLevel::error;
  return std::nullopt;
}

namespace {

thread_local std::string t_correlation_id;  // NOLINT: documented per-thread scope

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {  // JSON has no NaN/Infinity
    out += "null";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) {
    out += "null";
    return;
  }
  out.append(buf, end);
}

void append_value(std::string& out, const FieldValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else {
          out += "\"***\"";
        }
      },
      value);
}

bool is_reserved(std::string_view key) {
  return key == "time" || key == "level" || key == "service" || key == "instance" || key == "message" ||
         key == "correlation_id";
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            out += "\\u00";
            out.push_back(kHex[c >> 4U]);
            out.push_back(kHex[c & 0xFU]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const std::size_t n = caas::utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD replacement character
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  out.push_back('"');
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

CorrelationScope::CorrelationScope(std::string correlation_id) : previous_(std::move(t_correlation_id)) {
  t_correlation_id = std::move(correlation_id);
}

CorrelationScope::~CorrelationScope() {
  t_correlation_id = std::move(previous_);
}

const std::string& current_correlation_id() {
  return t_correlation_id;
}

struct Logger::Shared {
  LoggerOptions options;
  std::FILE* file = nullptr;
  std::ostream* stream = nullptr;
  std::atomic<LogLevel> level{LogLevel::info};
  std::mutex write_mutex;  // one whole line per write, never interleaved
};

Logger::Logger(LoggerOptions options, std::FILE* out) : shared_(std::make_shared<Shared>()) {
  shared_->level = options.level;
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  shared_->options = std::move(options);
  shared_->file = out ? out : stderr;
}

Logger::Logger(LoggerOptions options, std::ostream& out) : shared_(std::make_shared<Shared>()) {
  shared_->level = options.level;
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  shared_->options = std::move(options);
  shared_->stream = &out;
}

Logger::Logger(std::shared_ptr<Shared> shared, Fields bound) : shared_(std::move(shared)), bound_(std::move(bound)) {}

Logger Logger::with(std::initializer_list<Field> fields) const {
  Fields bound = bound_;
  bound.insert(bound.end(), fields.begin(), fields.end());
  return Logger(shared_, std::move(bound));
}

void Logger::set_level(LogLevel level) {
  shared_->level.store(level, std::memory_order_relaxed);
}
LogLevel Logger::level() const {
  return shared_->level.load(std::memory_order_relaxed);
}
bool Logger::enabled(LogLevel level) const {
  return level >= this->level();
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<Field> fields) const {
  if (!enabled(level)) return;
  write_line(level, message, fields.begin(), fields.size());
}

void Logger::log(LogLevel level, std::string_view message, const Fields& fields) const {
  if (!enabled(level)) return;
  write_line(level, message, fields.data(), fields.size());
}

std::string Logger::format(LogLevel level, std::string_view message, const Field* fields, std::size_t count) const {
  const auto& opt = shared_->options;
  // An explicit correlation_id field wins over the thread's scope.
  std::string_view correlation = current_correlation_id();
  const auto find_corr = [&](const Field* begin, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (begin[i].key == "correlation_id") {
        if (const auto* s = std::get_if<std::string>(&begin[i].value)) correlation = *s;
      }
    }
  };
  find_corr(bound_.data(), bound_.size());
  find_corr(fields, count);

  std::string line;
  line.reserve(160 + message.size());
  line += "{\"time\":\"";
  line += caas::format_rfc3339(opt.clock());
  line += "\",\"level\":\"";
  line += to_string(level);
  line += "\",\"service\":";
  append_json_string(line, opt.service);
  line += ",\"instance\":";
  append_json_string(line, opt.instance);
  line += ",\"message\":";
  append_json_string(line, message);
  line += ",\"correlation_id\":";
  append_json_string(line, correlation);
  const auto append_fields = [&](const Field* begin, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (is_reserved(begin[i].key)) continue;  // never produce duplicate keys
      line.push_back(',');
      append_json_string(line, begin[i].key);
      line.push_back(':');
      append_value(line, begin[i].value);
    }
  };
  append_fields(bound_.data(), bound_.size());
  append_fields(fields, count);
  line += "}\n";
  return line;
}

void Logger::write_line(LogLevel level, std::string_view message, const Field* fields, std::size_t count) const {
  const std::string line = format(level, message, fields, count);
  std::lock_guard lock(shared_->write_mutex);
  if (shared_->stream) {
    shared_->stream->write(line.data(), static_cast<std::streamsize>(line.size()));
    shared_->stream->flush();
  } else {
    std::fwrite(line.data(), 1, line.size(), shared_->file);
    std::fflush(shared_->file);
  }
}

}  // namespace caas::observability
