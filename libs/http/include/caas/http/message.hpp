#pragma once
// HTTP message vocabulary shared by the server and the client. No Beast or
// Asio types here: they stay inside src/ so users compile fast.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace caas::http {

/// Header list with case-insensitive lookup. Keeps insertion order and
/// repeated fields, so callers can detect a header sent more than once.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  /// Appends a field (a repeated name keeps every value).
  void add(std::string name, std::string value);
  /// Replaces every field called `name` by one.
  void set(std::string name, std::string value);
  /// First value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  /// Number of fields called `name` (>1: the header was repeated).
  std::size_t count(std::string_view name) const;
  bool contains(std::string_view name) const { return count(name) > 0; }
  void erase(std::string_view name);

  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

using Params = std::vector<std::pair<std::string, std::string>>;

/// A request as handlers see it. The body is the raw bytes (signatures are
/// computed over it), already bounded by ServerOptions::max_body_bytes.
struct Request {
  std::string method;   // upper case as sent, e.g. "GET"
  std::string target;   // request target in origin form, e.g. "/a/b?x=1" (also for an absolute-form request)
  std::string path;     // target without the query, not percent-decoded
  std::string route;    // matched route pattern, e.g. "/orders/{id}" ("" if none)
  Params path_params;   // percent-decoded values of {name} segments
  Params query_params;  // percent-decoded query pairs, in order
  Headers headers;
  std::string body;
  std::string remote_address;
  std::uint16_t remote_port = 0;
  std::string request_id;  // from X-Request-Id (validated) or a UUID v4
  unsigned version = 11;   // 10 or 11

  /// Path parameter {name}; empty string if the route has none.
  std::string_view param(std::string_view name) const;
  /// First query value for `key` (percent-decoded, '+' is a space).
  std::optional<std::string> query(std::string_view key) const;
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

/// A response. Content-Length is computed when serialised.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body);
  static Response empty(int status);
};

/// Extra members of a JSON error body (scalars only, which is all §6 needs).
using JsonScalar = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string>;
using ErrorFields = std::vector<std::pair<std::string, JsonScalar>>;

/// The one way to build DESIGN.md §6 error bodies:
/// {"error":"<short>","message":"<human readable>", ...extra}.
/// 429 and 503 get `Retry-After: 1` unless the caller sets another value.
Response error_response(int status, std::string_view error, std::string_view message, const ErrorFields& extra = {});

/// Reason phrase for a status code ("Not Found"); "Unknown" otherwise.
std::string_view reason_phrase(int status);

/// True if `id` may be echoed as X-Request-Id: 1..128 printable ASCII chars.
bool valid_request_id(std::string_view id);
/// Random UUID v4 (OpenSSL RAND_bytes), lower-case hex with dashes.
std::string generate_uuid_v4();

/// UUID v4 request ids, fast: a PRNG seeded once from RAND_bytes. OpenSSL's
/// RAND_bytes costs a getpid() syscall per call (fork detection), which on a
/// busy server is a syscall per request. The ids are unique (122 random
/// bits from a 2^19937 state), not unguessable: use generate_uuid_v4() for
/// anything that must not be predicted. Thread-safe.
class RequestIdGenerator {
 public:
  RequestIdGenerator();  // throws std::runtime_error if the entropy source fails
  std::string next();

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace caas::http
