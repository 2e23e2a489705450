#pragma once
// The one base64 codec of the platform (RFC 4648): webhook signatures and
// secrets (§4, padded), JWTs (§5, base64url, unpadded) and MIME bodies and
// encoded words (RFC 2045 §6.8).
//
// Decoders that guard signatures are strict: no whitespace, no stray padding
// and no non-zero trailing bits, so each value has exactly one encoding and a
// signature cannot be altered without changing its bytes (RFC 4648 §3.5).

#include <string>
#include <string_view>

#include "caas/core/result.hpp"

namespace caas {

/// Error codes of the codecs in caas/core (category "caas.codec").
enum class CodecErrc { invalid_encoding = 1 };
const std::error_category& codec_category() noexcept;
std::error_code make_error_code(CodecErrc e) noexcept;

std::string base64_encode(std::string_view bytes);     // §4 alphabet, padded
std::string base64url_encode(std::string_view bytes);  // §5 alphabet, unpadded (JWT)

/// §4, padding required (length a multiple of 4), no whitespace, canonical.
Result<std::string> base64_decode(std::string_view text);
/// §5, no padding, canonical.
Result<std::string> base64url_decode(std::string_view text);
/// RFC 2045 §6.8 transfer encoding: as base64_decode, but CR, LF, space and
/// tab anywhere are skipped, and non-zero trailing bits are accepted (MIME
/// bodies are not signatures; a lenient reader of mail is the norm).
Result<std::string> base64_decode_mime(std::string_view text);

}  // namespace caas

template <>
struct std::is_error_code_enum<caas::CodecErrc> : std::true_type {};
