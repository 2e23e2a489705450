#pragma once
// Message templates, one file per notification type and language:
//   <dir>/<language>/<type>.txt
// made of sections, each opened by a line "== <channel>.<part> ==":
//   email.subject, email.body, push.title, push.body, vehicle_display.text
// with {{variable}} placeholders. load() checks every kind of the catalogue
// in every language: each channel of the kind has its parts, and every
// placeholder is a variable the kind guarantees. A missing template or
// variable is a start-up error (and a unit test), never a blank message.

#include "domain/catalogue.hpp"

#include <caas/core/result.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace caas::notification {

/// A message ready for a channel. email: subject + body; push: subject is the
/// title; vehicle_display: body only.
struct RenderedMessage {
  std::string subject;
  std::string body;
};

/// One template text, parsed once: literal pieces and placeholders.
class Template {
 public:
  static Result<Template> parse(std::string_view text);
  /// Error naming the variable when one is missing from `vars`.
  Result<std::string> render(const Variables& vars) const;
  std::vector<std::string> placeholders() const;

 private:
  struct Piece {
    bool is_variable = false;
    std::string text;  // literal text, or the variable name
  };
  std::vector<Piece> pieces_;
};

class TemplateSet {
 public:
  /// Loads and checks the whole directory; the error lists every problem.
  static Result<TemplateSet> load(const std::filesystem::path& dir);
  /// Parses one file's text (sections) — exposed for tests.
  static Result<std::map<std::string, Template>> parse_sections(std::string_view text);

  Result<RenderedMessage> render(std::string_view type, Language language, Channel channel,
                                 const Variables& vars) const;
  std::size_t size() const { return templates_.size(); }

 private:
  // key: "<language>/<type>/<section>"
  std::map<std::string, Template, std::less<>> templates_;
};

/// The sections a channel needs.
std::vector<std::string_view> sections_for(Channel channel);

}  // namespace caas::notification
