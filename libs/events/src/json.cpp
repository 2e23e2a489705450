#include "caas/events/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <deque>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "caas/events/errors.hpp"

namespace caas::events {
namespace {

constexpr unsigned kStrictFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// SAX filter between the reader and the document: enforces the limits and
// rejects duplicate keys. Returning false aborts the (iterative) parse.
class StrictHandler {
 public:
  StrictHandler(rapidjson::Document& doc, const StrictJsonLimits& limits) : doc_(doc), limits_(limits) {}

  bool Null() { return count() && doc_.Null(); }
  bool Bool(bool b) { return count() && doc_.Bool(b); }
  bool Int(int i) { return count() && doc_.Int(i); }
  bool Uint(unsigned u) { return count() && doc_.Uint(u); }
  bool Int64(std::int64_t i) { return count() && doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return count() && doc_.Uint64(u); }
  // RapidJSON's fast path rounds a literal just above DBL_MAX to infinity,
  // which no JSON writer can emit again (found by fuzzing): refuse it.
  bool Double(double d) {
    if (!std::isfinite(d)) {
      fail(EventsErrc::invalid_json, "number out of range");
      return false;
    }
    return count() && doc_.Double(d);
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return count() && doc_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return count() && string_ok(s, n) && doc_.String(s, n, copy);
  }
  bool StartObject() { return open(true) && doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (!string_ok(s, n)) return false;
    if (seen_before(std::string_view(s, n))) {
      fail(EventsErrc::duplicate_key, "duplicate key \"" + std::string(s, std::min<std::size_t>(n, 64)) + "\"");
      return false;
    }
    return doc_.Key(s, n, copy);
  }
  bool EndObject(rapidjson::SizeType n) {
    close();
    return doc_.EndObject(n);
  }
  bool StartArray() { return open(false) && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    close();
    return doc_.EndArray(n);
  }

  bool failed() const { return failed_; }
  EventsErrc code() const { return code_; }
  const std::string& why() const { return why_; }

 private:
  // An object's keys: scanned linearly while it is small (no allocation for
  // short keys), indexed once it has more than kLinearKeys (no quadratic
  // cost for an object with thousands of keys).
  static constexpr std::size_t kLinearKeys = 16;
  struct Frame {
    std::size_t first_key = 0;                 // its keys are keys_[first_key..]
    std::unordered_set<std::string_view> big;  // views into keys_, once indexed
  };

  void fail(EventsErrc c, std::string why) {
    failed_ = true;
    code_ = c;
    why_ = std::move(why);
  }
  bool count() {
    if (++values_ > limits_.max_values) {
      fail(EventsErrc::limit_exceeded, "more than " + std::to_string(limits_.max_values) + " values");
      return false;
    }
    return true;
  }
  bool string_ok(const char* s, rapidjson::SizeType n) {
    if (n > limits_.max_string_bytes) {
      fail(EventsErrc::limit_exceeded, "string longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
      return false;
    }
    if (has_surrogate(std::string_view(s, n))) {
      fail(EventsErrc::invalid_utf8, "unpaired UTF-16 surrogate escape");
      return false;
    }
    return true;
  }
  // RapidJSON 1.1 decodes a lone low-surrogate escape (backslash-u DC00) into the
  // three bytes ED B0 80, which are not UTF-8 and which no strict reader
  // (ours included) accepts back (found by fuzzing). Raw input bytes were
  // already validated, so ED followed by A0..BF here can only come from
  // such an escape.
  static bool has_surrogate(std::string_view s) {
    for (auto pos = s.find('\xED'); pos != std::string_view::npos; pos = s.find('\xED', pos + 1))
      if (pos + 1 < s.size() && static_cast<unsigned char>(s[pos + 1]) >= 0xA0) return true;
    return false;
  }
  bool open(bool) {
    if (!count()) return false;
    if (frames_.size() >= limits_.max_depth) {
      fail(EventsErrc::nesting_too_deep, "nesting deeper than " + std::to_string(limits_.max_depth));
      return false;
    }
    frames_.push_back(Frame{keys_.size(), {}});
    return true;
  }
  void close() {
    keys_.resize(frames_.back().first_key);
    frames_.pop_back();
  }
  bool seen_before(std::string_view key) {
    Frame& f = frames_.back();
    if (!f.big.empty()) {
      if (f.big.count(key) != 0) return true;
      keys_.emplace_back(key);
      f.big.insert(keys_.back());
      return false;
    }
    for (std::size_t i = f.first_key; i < keys_.size(); ++i) {
      if (keys_[i] == key) return true;
    }
    keys_.emplace_back(key);
    if (keys_.size() - f.first_key > kLinearKeys) {
      for (std::size_t i = f.first_key; i < keys_.size(); ++i) f.big.insert(keys_[i]);
    }
    return false;
  }

  rapidjson::Document& doc_;
  const StrictJsonLimits& limits_;
  std::vector<Frame> frames_;
  // Keys of the open objects, innermost last. A deque: growing it keeps the
  // addresses the indexes point into.
  std::deque<std::string> keys_;
  std::size_t values_ = 0;
  bool failed_ = false;
  EventsErrc code_ = EventsErrc::invalid_json;
  std::string why_;
};

struct Generator {
  std::string_view text;
  const StrictJsonLimits& limits;
  rapidjson::ParseResult result{};
  bool handler_failed = false;
  EventsErrc code = EventsErrc::invalid_json;
  std::string why;

  bool operator()(rapidjson::Document& doc) {
    StrictHandler handler(doc, limits);
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::Reader reader;
    result = reader.Parse<kStrictFlags>(stream, handler);
    handler_failed = handler.failed();
    code = handler.code();
    why = handler.why();
    return !result.IsError();
  }
};

Error json_error(EventsErrc c, const std::string& why, std::size_t offset) {
  return Error{make_error_code(c), "invalid JSON at byte " + std::to_string(offset) + ": " + why};
}
}  // namespace

namespace {
Result<rapidjson::Document> parse_into(std::string_view text, const StrictJsonLimits& limits,
                                       rapidjson::Document::AllocatorType* allocator) {
  if (text.size() > limits.max_input_bytes)
    return json_error(EventsErrc::limit_exceeded,
                      "input larger than " + std::to_string(limits.max_input_bytes) + " bytes", 0);
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
    return json_error(EventsErrc::invalid_json, "byte order mark not allowed", 0);
  // The reader treats NUL as end of input; a raw NUL is never valid JSON.
  if (auto nul = text.find('\0'); nul != std::string_view::npos)
    return json_error(EventsErrc::invalid_json, "NUL byte", nul);

  rapidjson::Document doc(allocator);  // null: the document owns a pool of its own
  Generator gen{text, limits, {}, false, EventsErrc::invalid_json, {}};
  doc.Populate(gen);
  if (gen.result.IsError()) {
    if (gen.handler_failed) return json_error(gen.code, gen.why, gen.result.Offset());
    const auto ec = gen.result.Code();
    const EventsErrc c =
        ec == rapidjson::kParseErrorStringInvalidEncoding ? EventsErrc::invalid_utf8 : EventsErrc::invalid_json;
    return json_error(c, rapidjson::GetParseError_En(ec), gen.result.Offset());
  }
  return doc;
}
}  // namespace

Result<rapidjson::Document> parse_strict_json(std::string_view text, const StrictJsonLimits& limits) {
  return parse_into(text, limits, nullptr);
}

Result<rapidjson::Document> parse_strict_json(std::string_view text, const StrictJsonLimits& limits,
                                              rapidjson::Document::AllocatorType& allocator) {
  return parse_into(text, limits, &allocator);
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace caas::events
