#include "caas/smtp/encoding.hpp"

#include <optional>

#include "caas/core/base64.hpp"
#include "caas/core/utf8.hpp"
#include "caas/smtp/error.hpp"

namespace caas::smtp {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

Error invalid(std::string message) {
  return Error{make_error_code(SendErrc::invalid_message), std::move(message)};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool lower_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// Decodes one "=?charset?enc?text?=" word; nullopt if `word` is not one.
std::optional<Result<std::string>> decode_word(std::string_view word) {
  if (word.size() < 8 || word.substr(0, 2) != "=?" || word.substr(word.size() - 2) != "?=") return std::nullopt;
  const auto inner = word.substr(2, word.size() - 4);
  const auto q1 = inner.find('?');
  if (q1 == std::string_view::npos || q1 + 2 >= inner.size() || inner[q1 + 2] != '?') return std::nullopt;
  auto charset = inner.substr(0, q1);
  if (auto star = charset.find('*'); star != std::string_view::npos)
    charset = charset.substr(0, star);  // RFC 2231 language
  const char enc = inner[q1 + 1];
  const auto text = inner.substr(q1 + 3);
  if (!lower_equals(charset, "utf-8") && !lower_equals(charset, "us-ascii")) {
    return Result<std::string>(invalid("unsupported charset in encoded word: " + std::string(charset)));
  }
  if (enc == 'B' || enc == 'b') return decode_base64(text);
  if (enc == 'Q' || enc == 'q') {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        out += ' ';
      } else if (text[i] == '=') {
        if (i + 2 >= text.size()) return Result<std::string>(invalid("bad Q escape"));
        const int hi = hex_value(text[i + 1]);
        const int lo = hex_value(text[i + 2]);
        if (hi < 0 || lo < 0) return Result<std::string>(invalid("bad Q escape"));
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        out += text[i];
      }
    }
    return Result<std::string>(std::move(out));
  }
  return std::nullopt;
}

}  // namespace

std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 16);
  std::size_t column = 0;  // characters on the current output line
  auto put = [&](std::string_view piece) {
    // Keep room for a trailing '=' soft break: at most 76 characters per line.
    if (column + piece.size() > 75) {
      out += "=\r\n";
      column = 0;
    }
    out += piece;
    column += piece.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      out += "\r\n";
      column = 0;
      ++i;
      continue;
    }
    const bool at_line_end =
        i + 1 == text.size() || (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n');
    const bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    if (literal) {
      const char ch = static_cast<char>(c);
      put(std::string_view(&ch, 1));
    } else {
      const char esc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(esc, 3));
    }
  }
  return out;
}

Result<std::string> decode_quoted_printable(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c != '=') {
      out += c;
      continue;
    }
    // Soft line break: "=" CRLF (or a bare LF), possibly after transport padding.
    std::size_t j = i + 1;
    while (j < encoded.size() && (encoded[j] == ' ' || encoded[j] == '\t')) ++j;
    if (j < encoded.size() && encoded[j] == '\r' && j + 1 < encoded.size() && encoded[j + 1] == '\n') {
      i = j + 1;
      continue;
    }
    if (j < encoded.size() && encoded[j] == '\n') {
      i = j;
      continue;
    }
    if (j == encoded.size()) return out;  // "=" at the very end: soft break without CRLF
    if (i + 2 >= encoded.size()) return invalid("truncated quoted-printable escape");
    const int hi = hex_value(encoded[i + 1]);
    const int lo = hex_value(encoded[i + 2]);
    if (hi < 0 || lo < 0) return invalid("malformed quoted-printable escape at offset " + std::to_string(i));
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string encode_base64(std::string_view data, std::size_t line_length) {
  std::string encoded = caas::base64_encode(data);
  if (line_length == 0) return encoded;
  std::string out;
  out.reserve(encoded.size() + (encoded.size() / line_length + 1) * 2);
  for (std::size_t i = 0; i < encoded.size(); i += line_length) {
    out.append(encoded, i, line_length);
    out += "\r\n";
  }
  return out;
}

Result<std::string> decode_base64(std::string_view encoded) {
  auto decoded = caas::base64_decode_mime(encoded);
  if (!decoded.ok()) return invalid("malformed " + decoded.error().message);
  return decoded;
}

bool is_valid_utf8(std::string_view text) {
  return caas::is_valid_utf8(text);
}

std::string encode_header_words(std::string_view text, std::string_view separator) {
  // 39 octets → 52 base64 characters → a 64-character word, so even
  // "Subject: " + word stays below 78 characters per line.
  constexpr std::size_t kChunk = 39;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t n = caas::utf8_sequence_length(text, end);
      if (n == 0) n = 1;  // invalid input: keep going byte by byte
      if (end + n - i > kChunk) break;
      end += n;
    }
    if (end == i) end = i + 1;
    if (!out.empty()) out += separator;
    out += "=?UTF-8?B?";
    out += encode_base64(text.substr(i, end - i), 0);
    out += "?=";
    i = end;
  }
  return out;
}

Result<std::string> decode_header_words(std::string_view value) {
  // Unfold first.
  std::string unfolded;
  unfolded.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (value[i] == '\n') continue;
    unfolded += value[i];
  }
  std::string out;
  std::string pending_space;  // whitespace after an encoded word, dropped if another word follows
  bool last_was_word = false;
  std::size_t i = 0;
  while (i < unfolded.size()) {
    if (unfolded[i] == ' ' || unfolded[i] == '\t') {
      std::size_t j = i;
      while (j < unfolded.size() && (unfolded[j] == ' ' || unfolded[j] == '\t')) ++j;
      pending_space = unfolded.substr(i, j - i);
      i = j;
      continue;
    }
    std::size_t j = i;
    while (j < unfolded.size() && unfolded[j] != ' ' && unfolded[j] != '\t') ++j;
    const std::string_view token(unfolded.data() + i, j - i);
    auto word = decode_word(token);
    if (word && !word->ok()) return word->error();
    const bool is_word = word.has_value();
    if (!(is_word && last_was_word)) out += pending_space;
    pending_space.clear();
    if (is_word) {
      out += word->value();
    } else {
      out += token;
    }
    last_was_word = is_word;
    i = j;
  }
  out += pending_space;
  return out;
}

}  // namespace caas::smtp
