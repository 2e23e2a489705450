#pragma once
// Rows out: one model, four renderings. `table` (aligned, long cells cut,
// only the main columns), `wide` (every column, nothing cut), `json` (one
// array), `jsonl` (one object per line, what scripts read). Data only: every
// diagnostic goes to stderr, never through here.

#include "cli/args.hpp"

#include <caas/observability/logger.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace caas::ctl {

/// A JSON value already serialised (an event's data, a nested object).
struct RawJson {
  std::string text;
};
using Value = std::variant<std::monostate, std::string, std::int64_t, bool, RawJson>;

struct Column {
  std::string name;   // JSON field name; the table header is it upper-cased
  bool wide = false;  // only in -o wide (and always in JSON)
};

class Rows {
 public:
  explicit Rows(std::vector<Column> columns) : columns_(std::move(columns)) {}
  /// Values in column order; missing trailing values are null.
  void add(std::vector<Value> values) { rows_.push_back(std::move(values)); }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<std::vector<Value>>& rows() const { return rows_; }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Value>> rows_;
};

struct Style {
  bool colour = false;  // ANSI bold headers; only on a terminal, never with NO_COLOR
  std::size_t max_cell = 60;
};

void render(std::ostream& out, const Rows& rows, Format format, const Style& style);
/// One object as JSON text (the jsonl form of a row).
std::string row_json(const Rows& rows, std::size_t index);
/// A cell as text for the table.
std::string cell_text(const Value& v);
/// JSON string escaping: the logger's, so every JSON line the platform writes quotes alike.
using observability::json_quote;

}  // namespace caas::ctl
