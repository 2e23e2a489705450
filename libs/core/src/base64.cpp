#include "caas/core/base64.hpp"

#include <cstdint>

#include "caas/core/error_category.hpp"

namespace caas {
namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view describe(CodecErrc e) noexcept {
  switch (e) {
    case CodecErrc::invalid_encoding:
      return "invalid encoding";
  }
  return "unknown codec error";
}

Error invalid(std::string message) {
  return Error{make_error_code(CodecErrc::invalid_encoding), std::move(message)};
}

int symbol_value(char c, const char* alphabet) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == alphabet[62]) return 62;
  if (c == alphabet[63]) return 63;
  return -1;
}

std::string encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest > 0) {
    std::uint32_t v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

// Decodes unpadded symbols. `canonical` rejects non-zero trailing bits so
// each value has exactly one encoding (signatures must not be malleable).
Result<std::string> decode_symbols(std::string_view in, const char* alphabet, bool canonical) {
  if (in.size() % 4 == 1) return invalid("base64: bad length");
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = symbol_value(c, alphabet);
    if (v < 0) return invalid("base64: invalid character");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (canonical && bits > 0 && (acc & ((1U << bits) - 1)) != 0) {
    return invalid("base64: non-canonical trailing bits");
  }
  return out;
}

Result<std::string> decode_padded(std::string_view text, bool canonical) {
  if (text.size() % 4 != 0) return invalid("base64: length not a multiple of 4");
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  return decode_symbols(text.substr(0, text.size() - pad), kStandard, canonical);
}

}  // namespace

const std::error_category& codec_category() noexcept {
  static const ErrorCategory<CodecErrc> category("caas.codec", describe);
  return category;
}

std::error_code make_error_code(CodecErrc e) noexcept {
  return {static_cast<int>(e), codec_category()};
}

std::string base64_encode(std::string_view bytes) {
  return encode(bytes, kStandard, true);
}

std::string base64url_encode(std::string_view bytes) {
  return encode(bytes, kUrl, false);
}

Result<std::string> base64_decode(std::string_view text) {
  return decode_padded(text, true);
}

Result<std::string> base64url_decode(std::string_view text) {
  return decode_symbols(text, kUrl, true);
}

Result<std::string> base64_decode_mime(std::string_view text) {
  std::string symbols;
  symbols.reserve(text.size());
  for (const char c : text) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') symbols += c;
  }
  return decode_padded(symbols, false);
}

}  // namespace caas
