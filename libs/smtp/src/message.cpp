#include "caas/smtp/message.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <random>

#include "caas/smtp/encoding.hpp"
#include "caas/smtp/error.hpp"

namespace caas::smtp {

namespace {

constexpr std::size_t kMaxLine = 998;  // RFC 5322 §2.1.1, without CRLF
constexpr std::size_t kFoldAt = 78;    // recommended line length

Error invalid(std::string message) {
  return Error{make_error_code(SendErrc::invalid_message), std::move(message)};
}

bool is_ascii_printable(char c) {
  return c >= 33 && c <= 126;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A header value typed by somebody: UTF-8 text on one line. CR and LF are
// refused by name (the classic header injection), other controls too.
std::optional<Error> check_text(std::string_view field, std::string_view value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\r' || c == '\n') return invalid(std::string(field) + ": CR/LF in a header value (header injection)");
    if ((c < 0x20 && c != '\t') || c == 0x7F)
      return invalid(std::string(field) + ": control character in a header value");
  }
  if (!is_valid_utf8(value)) return invalid(std::string(field) + ": not valid UTF-8");
  return std::nullopt;
}

bool plain_ascii(std::string_view value) {
  for (const char c : value) {
    if (!is_ascii_printable(c) && c != ' ' && c != '\t') return false;
  }
  return value.find("=?") == std::string_view::npos;  // would read as an encoded word
}

// "Name: value" folded at spaces to ~78 columns; nullopt if a single word
// would not fit in a 998-octet line.
std::optional<std::string> fold_plain(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ": ";
  std::size_t column = out.size();
  std::size_t i = 0;
  bool first = true;
  while (i < value.size()) {
    // Next piece: leading whitespace + one word.
    std::size_t j = i;
    while (j < value.size() && (value[j] == ' ' || value[j] == '\t')) ++j;
    while (j < value.size() && value[j] != ' ' && value[j] != '\t') ++j;
    std::string_view piece = value.substr(i, j - i);
    if (!first && column + piece.size() > kFoldAt && (piece.front() == ' ' || piece.front() == '\t')) {
      out += "\r\n";  // the piece's own leading whitespace continues the header
      column = 0;
    }
    if (column + piece.size() > kMaxLine) return std::nullopt;
    out += piece;
    column += piece.size();
    first = false;
    i = j;
  }
  out += "\r\n";
  return out;
}

std::string quoted_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

bool valid_message_id(std::string_view id) {
  if (id.empty() || id.size() > 250) return false;
  const auto at = id.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == id.size()) return false;
  for (const char c : id) {
    if (!is_ascii_printable(c) || c == '<' || c == '>' || c == '"' || c == '\\' || c == ',' || c == ';' || c == ':' ||
        c == '(' || c == ')') {
      return false;
    }
  }
  return true;
}

std::string generate_message_id(std::string_view from) {
  std::random_device rd;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llx.%08x%08x", static_cast<unsigned long long>(now.count()), rd(), rd());
  const auto at = from.rfind('@');
  return std::string(buf) + "@" + std::string(at == std::string_view::npos ? "caas.local" : from.substr(at + 1));
}

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(c) != std::string_view::npos;
}

bool valid_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 255) return false;
  if (domain.front() == '[') {  // address literal, e.g. [127.0.0.1] or [IPv6:::1]
    if (domain.back() != ']' || domain.size() < 3) return false;
    for (const char c : domain.substr(1, domain.size() - 2)) {
      if (!is_ascii_printable(c) || c == '[' || c == ']' || c == '\\') return false;
    }
    return true;
  }
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      const auto label = domain.substr(label_start, i - label_start);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
      label_start = i + 1;
      continue;
    }
    const char c = domain[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string normalize_line_breaks(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() != '\n') out += "\r\n";
  return out;
}

const std::array<std::string_view, 8> kGenerated = {
    "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};

}  // namespace

std::string rfc5322_date_now() {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[static_cast<std::size_t>(tm.tm_wday)],
                tm.tm_mday, kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

bool is_valid_address(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  const auto local = address.substr(0, at);
  const auto domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  for (const char c : local) {
    if (!is_atext(c) && c != '.') return false;
  }
  return valid_domain(domain);
}

std::string dot_stuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 16);
  bool line_start = true;
  for (const char c : message) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out;
}

Result<std::string> build_message(const Mail& mail) {
  if (!is_valid_address(mail.from)) return invalid("From: invalid address '" + mail.from + "'");
  if (!is_valid_address(mail.to)) return invalid("To: invalid address '" + mail.to + "'");
  if (auto e = check_text("From name", mail.from_name)) return *e;
  if (auto e = check_text("Subject", mail.subject)) return *e;
  if (auto e = check_text("Date", mail.date)) return *e;
  if (!mail.date.empty() && (!plain_ascii(mail.date) || mail.date.size() > 100))
    return invalid("Date: not an RFC 5322 date");
  if (!mail.message_id.empty() && !valid_message_id(mail.message_id)) {
    return invalid("Message-ID: '" + mail.message_id + "' is not id-left@id-right (printable ASCII, no <>)");
  }
  if (!is_valid_utf8(mail.text_body)) return invalid("body: not valid UTF-8");
  for (const auto& [name, value] : mail.extra_headers) {
    if (name.empty() || name.size() > 76) return invalid("extra header: bad name length");
    for (const char c : name) {
      if (!is_ascii_printable(c) || c == ':') return invalid("extra header '" + name + "': invalid field name");
    }
    for (const auto generated : kGenerated) {
      if (iequals(name, generated)) return invalid("extra header '" + name + "' would replace a standard header");
    }
    if (auto e = check_text("header " + name, value)) return *e;
    if (!plain_ascii(value)) return invalid("header " + name + ": only printable ASCII is supported in extra headers");
  }

  std::string out;
  out.reserve(512 + mail.text_body.size() * 3 / 2);

  // From
  out += "From: ";
  if (!mail.from_name.empty()) {
    if (plain_ascii(mail.from_name)) {
      out += quoted_string(mail.from_name);
    } else {
      out += encode_header_words(mail.from_name, "\r\n ");
    }
    out += " <" + mail.from + ">\r\n";
  } else {
    out += mail.from + "\r\n";
  }
  out += "To: " + mail.to + "\r\n";

  // Subject: plain and folded when ASCII, else encoded words (one per line).
  std::optional<std::string> subject;
  if (plain_ascii(mail.subject)) subject = fold_plain("Subject", mail.subject);
  if (!subject) subject = "Subject: " + encode_header_words(mail.subject, "\r\n ") + "\r\n";
  out += *subject;

  out += "Date: " + (mail.date.empty() ? rfc5322_date_now() : mail.date) + "\r\n";
  out += "Message-ID: <" + (mail.message_id.empty() ? generate_message_id(mail.from) : mail.message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  const std::string body = normalize_line_breaks(mail.text_body);
  if (mail.body_encoding == BodyEncoding::base64) {
    out += "Content-Transfer-Encoding: base64\r\n";
  } else {
    out += "Content-Transfer-Encoding: quoted-printable\r\n";
  }
  for (const auto& [name, value] : mail.extra_headers) {
    auto line = fold_plain(name, value);
    if (!line) return invalid("header " + name + ": a word longer than a line");
    out += *line;
  }
  out += "\r\n";
  if (mail.body_encoding == BodyEncoding::base64) {
    out += encode_base64(body, 76);
  } else {
    out += encode_quoted_printable(body);
  }
  return out;
}

}  // namespace caas::smtp
