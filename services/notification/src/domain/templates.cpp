#include "domain/templates.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace caas::notification {

namespace {

Error template_error(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

bool is_variable_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string key_of(std::string_view language, std::string_view type, std::string_view section) {
  std::string k;
  k.append(language).append("/").append(type).append("/").append(section);
  return k;
}

}  // namespace

std::vector<std::string_view> sections_for(Channel channel) {
  switch (channel) {
    case Channel::email:
      return {"email.subject", "email.body"};
    case Channel::push:
      return {"push.title", "push.body"};
    case Channel::vehicle_display:
      return {"vehicle_display.text"};
  }
  return {};
}

Result<Template> Template::parse(std::string_view text) {
  Template t;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    const auto stray_close = text.find("}}", pos);
    if (stray_close != std::string_view::npos && (open == std::string_view::npos || stray_close < open)) {
      return template_error("'}}' without '{{'");
    }
    if (open == std::string_view::npos) {
      t.pieces_.push_back({false, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) t.pieces_.push_back({false, std::string(text.substr(pos, open - pos))});
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return template_error("'{{' without '}}'");
    auto name = trim(text.substr(open + 2, close - open - 2));
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_variable_char)) {
      return template_error("bad placeholder '{{" + std::string(text.substr(open + 2, close - open - 2)) + "}}'");
    }
    t.pieces_.push_back({true, std::move(name)});
    pos = close + 2;
  }
  return t;
}

Result<std::string> Template::render(const Variables& vars) const {
  std::string out;
  for (const auto& p : pieces_) {
    if (!p.is_variable) {
      out += p.text;
      continue;
    }
    auto it = vars.find(p.text);
    if (it == vars.end() || it->second.empty()) return template_error("missing variable '" + p.text + "'");
    out += it->second;
  }
  return out;
}

std::vector<std::string> Template::placeholders() const {
  std::vector<std::string> out;
  for (const auto& p : pieces_) {
    if (p.is_variable) out.push_back(p.text);
  }
  return out;
}

Result<std::map<std::string, Template>> TemplateSet::parse_sections(std::string_view text) {
  std::map<std::string, Template> out;
  std::string current;
  std::string body;
  auto close_section = [&]() -> Result<void> {
    if (current.empty()) {
      if (!trim(body).empty()) return template_error("text before the first '== section ==' line");
      return {};
    }
    auto t = Template::parse(trim(body));
    if (!t) return template_error("section " + current + ": " + t.error().message);
    if (!out.emplace(current, std::move(*t)).second) return template_error("section " + current + " twice");
    return {};
  };
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > 6 && line.rfind("== ", 0) == 0 && line.substr(line.size() - 3) == " ==") {
      if (auto r = close_section(); !r) return r.error();
      current = trim(std::string_view(line).substr(3, line.size() - 6));
      body.clear();
      continue;
    }
    body += line;
    body += '\n';
  }
  if (auto r = close_section(); !r) return r.error();
  return out;
}

Result<TemplateSet> TemplateSet::load(const std::filesystem::path& dir) {
  TemplateSet set;
  std::vector<std::string> problems;
  for (auto language : kAllLanguages) {
    for (const auto& kind : catalogue()) {
      const auto file = dir / std::string(to_string(language)) / (std::string(kind.type) + ".txt");
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        problems.push_back("missing template " + file.string());
        continue;
      }
      std::stringstream text;
      text << in.rdbuf();
      auto sections = parse_sections(text.str());
      if (!sections) {
        problems.push_back(file.string() + ": " + sections.error().message);
        continue;
      }
      std::set<std::string> expected;
      for (auto channel : kind.channels) {
        for (auto s : sections_for(channel)) expected.emplace(s);
      }
      for (const auto& [name, tmpl] : *sections) {
        if (expected.count(name) == 0) {
          problems.push_back(file.string() + ": unexpected section " + name);
          continue;
        }
        for (const auto& var : tmpl.placeholders()) {
          if (std::find(kind.variables.begin(), kind.variables.end(), var) == kind.variables.end()) {
            problems.push_back(file.string() + ": section " + name + " uses {{" + var + "}}, which " +
                               std::string(kind.type) + " does not provide");
          }
        }
      }
      for (const auto& name : expected) {
        auto it = sections->find(name);
        if (it == sections->end()) {
          problems.push_back(file.string() + ": missing section " + name);
          continue;
        }
        set.templates_.emplace(key_of(to_string(language), kind.type, name), it->second);
      }
    }
  }
  if (!problems.empty()) {
    std::string message = std::to_string(problems.size()) + " template problem(s):";
    for (const auto& p : problems) message += "\n  " + p;
    return template_error(std::move(message));
  }
  return set;
}

Result<RenderedMessage> TemplateSet::render(std::string_view type, Language language, Channel channel,
                                            const Variables& vars) const {
  RenderedMessage out;
  const auto sections = sections_for(channel);
  for (std::size_t i = 0; i < sections.size(); ++i) {
    auto it = templates_.find(key_of(to_string(language), type, sections[i]));
    if (it == templates_.end()) {
      return template_error("no template " + key_of(to_string(language), type, sections[i]));
    }
    auto text = it->second.render(vars);
    if (!text) return template_error(std::string(type) + " " + std::string(sections[i]) + ": " + text.error().message);
    // The last section is the body; a two-part channel's first is its subject/title.
    (i + 1 == sections.size() ? out.body : out.subject) = std::move(*text);
  }
  return out;
}

}  // namespace caas::notification
