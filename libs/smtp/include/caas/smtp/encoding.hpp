#pragma once
// Content encodings used by build_message(), public so tests (and readers of
// what the relay received) can decode them again.

#include <cstddef>
#include <string>
#include <string_view>

#include "caas/core/result.hpp"

namespace caas::smtp {

/// Quoted-printable (RFC 2045 §6.7) of text whose line breaks are CRLF:
/// lines of at most 76 characters with soft breaks "=CRLF"; '=' and every
/// byte outside printable ASCII escaped as "=XX"; a space or tab before a
/// line break escaped.
std::string encode_quoted_printable(std::string_view text);
/// Inverse of encode_quoted_printable (soft breaks removed). Fails on a
/// malformed escape.
Result<std::string> decode_quoted_printable(std::string_view encoded);

/// Base64 (RFC 4648, caas/core/base64.hpp) with CRLF after every `line_length` characters (0: one
/// line, no CRLF).
std::string encode_base64(std::string_view data, std::size_t line_length = 76);
/// Accepts line breaks and ignores other whitespace; fails on anything else.
Result<std::string> decode_base64(std::string_view encoded);

/// True when `text` is valid UTF-8 (no overlong forms, no surrogates):
/// caas::is_valid_utf8 (caas/core/utf8.hpp).
bool is_valid_utf8(std::string_view text);

/// A header value as RFC 2047 "=?UTF-8?B?...?=" words of at most 64
/// characters, split between UTF-8 characters and joined by `separator`
/// (e.g. "\r\n " to fold). `text` must be valid UTF-8.
std::string encode_header_words(std::string_view text, std::string_view separator = "\r\n ");
/// Decodes a header value: unfolds (CRLF + whitespace), decodes B and Q
/// encoded words in UTF-8/US-ASCII (whitespace between adjacent words is
/// dropped), keeps other text as is.
Result<std::string> decode_header_words(std::string_view value);

}  // namespace caas::smtp
