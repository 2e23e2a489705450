#pragma once
// The one UTF-8 validator of the platform (RFC 3629): log lines, mail headers
// and bodies, and code-point counts of already validated JSON strings.
// Overlong forms, UTF-16 surrogates (U+D800..U+DFFF), code points above
// U+10FFFF and truncated sequences are invalid.

#include <cstddef>
#include <string_view>

namespace caas {

/// Length (1 to 4) of the valid UTF-8 sequence that starts at text[i], or 0
/// if the bytes there are not one. Requires i < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

/// True when the whole of `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text) noexcept;

/// Number of code points of `text`, which must be valid UTF-8 (bytes that are
/// not continuation bytes are counted).
std::size_t utf8_code_points(std::string_view text) noexcept;

}  // namespace caas
