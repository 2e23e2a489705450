#include "caas/http/message.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ascii.hpp"
#include "caas/core/uuid.hpp"

namespace caas::http {

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string name, std::string value) {
  erase(name);
  add(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (detail::iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::size_t Headers::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& f : fields_) n += detail::iequals(f.first, name) ? 1 : 0;
  return n;
}

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return detail::iequals(f.first, name); });
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> Request::query(std::string_view key) const {
  for (const auto& [k, v] : query_params) {
    if (k == key) return v;
  }
  return std::nullopt;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  return r;
}

Response error_response(int status, std::string_view error, std::string_view message, const ErrorFields& extra) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.String(error.data(), static_cast<rapidjson::SizeType>(error.size()));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  for (const auto& [key, value] : extra) {
    if (key == "error" || key == "message") continue;  // never duplicate members
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    std::visit(
        [&w](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>)
            w.Null();
          else if constexpr (std::is_same_v<T, bool>)
            w.Bool(v);
          else if constexpr (std::is_same_v<T, std::int64_t>)
            w.Int64(v);
          else if constexpr (std::is_same_v<T, double>)
            w.Double(v);
          else
            w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
        },
        value);
  }
  w.EndObject();
  Response r = Response::json(status, std::string(buf.GetString(), buf.GetSize()));
  if (status == 429 || status == 503) r.headers.set("Retry-After", "1");
  return r;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;  // visible ASCII only: safe in logs and headers
  }
  return true;
}

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
  std::array<std::uint8_t, N> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");  // entropy source broken: a bug, not input
  }
  return b;
}

}  // namespace

std::string generate_uuid_v4() {
  return format_uuid(random_bytes<16>(), 4);
}

RequestIdGenerator::RequestIdGenerator() {
  const auto seed_bytes = random_bytes<32>();
  std::array<std::uint32_t, 8> words{};
  std::memcpy(words.data(), seed_bytes.data(), seed_bytes.size());
  std::seed_seq seq(words.begin(), words.end());
  engine_.seed(seq);
}

std::string RequestIdGenerator::next() {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  {
    std::lock_guard lock(mutex_);
    hi = engine_();
    lo = engine_();
  }
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), &hi, sizeof hi);
  std::memcpy(b.data() + sizeof hi, &lo, sizeof lo);
  return format_uuid(b, 4);
}

}  // namespace caas::http
