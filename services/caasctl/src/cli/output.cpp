#include "cli/output.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace caas::ctl {

namespace {

std::string value_json(const Value& v) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(const std::string& s) const { return json_quote(s); }
    std::string operator()(std::int64_t n) const { return std::to_string(n); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const RawJson& j) const { return j.text.empty() ? "null" : j.text; }
  };
  return std::visit(Visitor{}, v);
}

std::string upper(std::string s) {
  for (auto& c : s) c = c == '_' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Control characters would break the table's alignment (and a terminal).
std::string printable(std::string s) {
  for (auto& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s;
}

// Cut at a UTF-8 boundary, marked with "…".
std::string cut(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max - 1;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "\xE2\x80\xA6";
}

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string cell_text(const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (auto s = std::get_if<std::string>(&v)) return *s;
  return value_json(v);
}

std::string row_json(const Rows& rows, std::size_t index) {
  const auto& row = rows.rows()[index];
  std::string out = "{";
  for (std::size_t c = 0; c < rows.columns().size(); ++c) {
    if (c) out += ',';
    out += json_quote(rows.columns()[c].name);
    out += ':';
    out += c < row.size() ? value_json(row[c]) : "null";
  }
  out += '}';
  return out;
}

void render(std::ostream& out, const Rows& rows, Format format, const Style& style) {
  if (format == Format::jsonl) {
    for (std::size_t i = 0; i < rows.size(); ++i) out << row_json(rows, i) << '\n';
    return;
  }
  if (format == Format::json) {
    out << '[';
    for (std::size_t i = 0; i < rows.size(); ++i) out << (i ? ",\n " : "") << row_json(rows, i);
    out << "]\n";
    return;
  }
  const bool wide = format == Format::wide;
  std::vector<std::size_t> shown;
  for (std::size_t c = 0; c < rows.columns().size(); ++c) {
    if (wide || !rows.columns()[c].wide) shown.push_back(c);
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width;
  for (auto c : shown) width.push_back(display_width(upper(rows.columns()[c].name)));
  for (const auto& row : rows.rows()) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      auto text = printable(shown[i] < row.size() ? cell_text(row[shown[i]]) : "");
      if (!wide) text = cut(text, style.max_cell);
      width[i] = std::max(width[i], display_width(text));
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  auto emit = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text += std::string(width[i] - display_width(line[i]) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
  };
  std::vector<std::string> header;
  for (auto c : shown) header.push_back(upper(rows.columns()[c].name));
  out << (style.colour ? "\x1b[1m" : "") << emit(header) << (style.colour ? "\x1b[0m" : "") << '\n';
  for (const auto& line : cells) out << emit(line) << '\n';
}

}  // namespace caas::ctl
