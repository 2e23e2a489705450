#pragma once
// Building the RFC 5322 + MIME text of one plain-text e-mail. Pure functions:
// no I/O, no clock unless Mail::date is empty. Every header value is checked
// here, so nothing a user typed can add a header or end the message early.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caas/core/result.hpp"

namespace caas::smtp {

enum class BodyEncoding {
  quoted_printable,  // readable when mostly ASCII (the default)
  base64,            // compact when mostly non-ASCII
};

struct Mail {
  std::string from;        // envelope sender and From address: local@domain
  std::string from_name;   // display name (UTF-8), may be empty
  std::string to;          // envelope recipient and To address
  std::string subject;     // UTF-8; RFC 2047-encoded when not plain ASCII
  std::string text_body;   // UTF-8 text; line breaks LF, CRLF or CR
  std::string message_id;  // without <>, e.g. "n-42@caas.example"; empty = generated
  std::string date;        // RFC 5322 date, e.g. "Tue, 01 Jul 2025 10:00:00 +0000"; empty = now
  std::vector<std::pair<std::string, std::string>> extra_headers;  // ASCII, added last
  BodyEncoding body_encoding = BodyEncoding::quoted_printable;
};

/// The whole message (headers, empty line, encoded body), CRLF line endings,
/// ending with CRLF; every line at most 998 octets, 7-bit only. Fails with
/// SendErrc::invalid_message (and a message naming the field) on an invalid
/// address, CR/LF or other control characters in a header value, invalid
/// UTF-8, a malformed message id or date, a non-ASCII or malformed extra
/// header, or an extra header that would replace one of the standard ones.
Result<std::string> build_message(const Mail& mail);

/// SMTP transparency (RFC 5321 §4.5.2): every line that starts with '.' gets
/// a second '.'. Lines are split at LF. The terminating "CRLF.CRLF" is not
/// added: the sender does that.
std::string dot_stuff(std::string_view message);

/// Pragmatic mailbox check for "local@domain" (no display name, no <>):
/// printable ASCII without spaces, a dot-atom local part of 1..64 octets, a
/// domain of DNS labels (1..63 octets, letters/digits/hyphens, ≤255 octets)
/// or an address literal "[...]", and at most 254 octets in all. Quoted local
/// parts and internationalised addresses (SMTPUTF8) are refused.
bool is_valid_address(std::string_view address);

/// "Tue, 01 Jul 2025 10:00:00 +0000" for the current time (UTC).
std::string rfc5322_date_now();

}  // namespace caas::smtp
