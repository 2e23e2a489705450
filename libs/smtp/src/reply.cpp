#include "caas/smtp/reply.hpp"

#include <charconv>

namespace caas::smtp {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

ParsedReply parse_reply(std::string_view input, std::size_t max_line) {
  ParsedReply out;
  auto malformed = [&](std::string why) {
    out.status = ReplyStatus::malformed;
    out.error = std::move(why);
    return out;
  };
  std::size_t pos = 0;
  int code = 0;
  std::string text;
  while (true) {
    const auto nl = input.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (input.size() - pos > max_line) return malformed("reply line longer than " + std::to_string(max_line));
      if (input.size() > max_line * 32) return malformed("reply longer than " + std::to_string(max_line * 32));
      return out;  // incomplete
    }
    std::string_view line = input.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_line) return malformed("reply line longer than " + std::to_string(max_line));
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
      return malformed("reply line without a 3-digit code: '" + std::string(line.substr(0, 64)) + "'");
    }
    int line_code = 0;
    std::from_chars(line.data(), line.data() + 3, line_code);
    if (line_code < 200 || line_code > 599) return malformed("reply code out of range: " + std::to_string(line_code));
    if (code != 0 && line_code != code) {
      return malformed("multi-line reply changes code from " + std::to_string(code) + " to " +
                       std::to_string(line_code));
    }
    code = line_code;
    bool last = true;
    if (line.size() > 3) {
      if (line[3] == '-') {
        last = false;
      } else if (line[3] != ' ') {
        return malformed("reply line: expected ' ' or '-' after the code: '" + std::string(line.substr(0, 64)) + "'");
      }
    }
    if (!text.empty() || pos != 0) text += '\n';
    if (line.size() > 4) text.append(line.substr(4));
    pos = nl + 1;
    if (last) {
      out.status = ReplyStatus::complete;
      out.reply.code = code;
      out.reply.text = std::move(text);
      out.consumed = pos;
      return out;
    }
    if (pos > max_line * 32) return malformed("reply longer than " + std::to_string(max_line * 32));
  }
}

Capabilities parse_ehlo(const Reply& ehlo_reply) {
  Capabilities caps;
  caps.esmtp = ehlo_reply.klass() == 2;
  std::size_t pos = 0;
  bool first = true;  // the first line is the server's name and greeting
  while (pos <= ehlo_reply.text.size()) {
    auto nl = ehlo_reply.text.find('\n', pos);
    if (nl == std::string::npos) nl = ehlo_reply.text.size();
    const std::string line = upper(std::string_view(ehlo_reply.text).substr(pos, nl - pos));
    pos = nl + 1;
    if (first) {
      first = false;
      continue;
    }
    const auto space = line.find(' ');
    const std::string keyword = line.substr(0, space);
    if (keyword == "8BITMIME") {
      caps.eight_bit_mime = true;
    } else if (keyword == "PIPELINING") {
      caps.pipelining = true;
    } else if (keyword == "SIZE") {
      std::size_t n = 0;
      if (space != std::string::npos) {
        const auto arg = std::string_view(line).substr(space + 1);
        const auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
        if (ec != std::errc{}) n = 0;
      }
      if (n > 0) caps.size_limit = n;
    }
  }
  return caps;
}

}  // namespace caas::smtp
