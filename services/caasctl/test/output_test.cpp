// The four renderings of the same rows.
#include "cli/output.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace caas::ctl;

namespace {

Rows sample_rows() {
  Rows rows({{"topic"}, {"records"}, {"ok"}, {"data"}, {"detail", true}});
  rows.add({std::string("caas.order.events.v1"), std::int64_t{12}, true, RawJson{R"({"a":1})"}, std::string("x")});
  rows.add({std::string("t\"2"), std::int64_t{0}, false, RawJson{}, Value{}});
  return rows;
}

std::string rendered(const Rows& rows, Format f, Style style = {}) {
  std::ostringstream out;
  render(out, rows, f, style);
  return out.str();
}

}  // namespace

TEST_CASE("output: JSON lines, one object per row with typed values", "[unit][caasctl]") {
  CHECK(rendered(sample_rows(), Format::jsonl) ==
        "{\"topic\":\"caas.order.events.v1\",\"records\":12,\"ok\":true,\"data\":{\"a\":1},\"detail\":\"x\"}\n"
        "{\"topic\":\"t\\\"2\",\"records\":0,\"ok\":false,\"data\":null,\"detail\":null}\n");
}

TEST_CASE("output: JSON is one array", "[unit][caasctl]") {
  const auto text = rendered(sample_rows(), Format::json);
  CHECK(text.front() == '[');
  CHECK(text.find("},\n {") != std::string::npos);
  CHECK(text.substr(text.size() - 2) == "]\n");
}

TEST_CASE("output: the table aligns, hides wide columns and cuts long cells; wide shows all", "[unit][caasctl]") {
  CHECK(rendered(sample_rows(), Format::table) ==
        "TOPIC                 RECORDS  OK     DATA\n"
        "caas.order.events.v1  12       true   {\"a\":1}\n"
        "t\"2                   0        false  null\n");
  CHECK(rendered(sample_rows(), Format::wide).find("DETAIL") != std::string::npos);
  Rows long_rows({{"error"}});
  long_rows.add({std::string(100, 'e')});
  const auto table = rendered(long_rows, Format::table);
  CHECK(table.find(std::string(100, 'e')) == std::string::npos);
  CHECK(table.find("\xE2\x80\xA6") != std::string::npos);
  CHECK(rendered(long_rows, Format::wide).find(std::string(100, 'e')) != std::string::npos);
}

TEST_CASE("output: colour only when asked (a terminal without NO_COLOR)", "[unit][caasctl]") {
  CHECK(rendered(sample_rows(), Format::table).find("\x1b[") == std::string::npos);
  CHECK(rendered(sample_rows(), Format::table, Style{true, 60}).find("\x1b[1m") == 0);
  CHECK(rendered(sample_rows(), Format::jsonl, Style{true, 60}).find("\x1b[") == std::string::npos);
}
