#pragma once
// SMTP replies (RFC 5321 §4.2): parsing one possibly multi-line reply from
// the bytes received so far, and the EHLO extensions the client cares about.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace caas::smtp {

struct Reply {
  int code = 0;      // e.g. 250
  std::string text;  // the lines' texts (after "250-" / "250 "), joined by '\n'

  int klass() const { return code / 100; }  // 2 = success, 3 = intermediate, 4 = transient, 5 = permanent
};

enum class ReplyStatus { incomplete, complete, malformed };

struct ParsedReply {
  ReplyStatus status = ReplyStatus::incomplete;
  Reply reply;               // when complete
  std::size_t consumed = 0;  // bytes of input used by the complete reply
  std::string error;         // when malformed
};

/// Parses the first reply in `input`. Lines end with CRLF (a bare LF is
/// tolerated); "250-" continues, "250 " or "250" ends. Malformed: a line
/// without a 3-digit code in 200..599, a separator other than ' '/'-', codes
/// that differ between lines, a line longer than `max_line` octets, or more
/// than `max_line` * 32 octets in one reply.
ParsedReply parse_reply(std::string_view input, std::size_t max_line = 4096);

/// What an EHLO reply advertises (only the extensions the client uses).
struct Capabilities {
  bool esmtp = false;                     // EHLO accepted (false after the HELO fallback)
  bool eight_bit_mime = false;            // 8BITMIME
  bool pipelining = false;                // PIPELINING
  std::optional<std::size_t> size_limit;  // SIZE n (0 or absent number = no limit)
};
Capabilities parse_ehlo(const Reply& ehlo_reply);

}  // namespace caas::smtp
