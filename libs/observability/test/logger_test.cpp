#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "caas/observability/logger.hpp"

using namespace caas::observability;

namespace {

LoggerOptions fixed_options(LogLevel level = LogLevel::debug) {
  LoggerOptions o;
  o.service = "order";
  o.instance = "order-0";
  o.level = level;
  o.clock = [] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'341'600'123)); };
  return o;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

rapidjson::Document parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str(), line.size());
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

}  // namespace

TEST_CASE("log line carries the standard keys and typed fields", "[logger]") {
  std::ostringstream out;
  Logger log(fixed_options(), out);
  log.info("order placed", {{"order_id", std::string("o-1")}, {"latency_ms", 12.5}, {"attempt", 3}, {"ok", true}});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);
  auto d = parse(lines[0]);
  CHECK(std::string(d["time"].GetString()) == "2026-11-22T10:00:00.123Z");
  CHECK(std::string(d["level"].GetString()) == "info");
  CHECK(std::string(d["service"].GetString()) == "order");
  CHECK(std::string(d["instance"].GetString()) == "order-0");
  CHECK(std::string(d["message"].GetString()) == "order placed");
  CHECK(std::string(d["correlation_id"].GetString()).empty());
  CHECK(std::string(d["order_id"].GetString()) == "o-1");
  CHECK(d["latency_ms"].GetDouble() == 12.5);
  CHECK(d["attempt"].GetInt64() == 3);
  CHECK(d["ok"].GetBool());
}

TEST_CASE("JSON escaping handles quotes, control characters and invalid UTF-8", "[logger]") {
  CHECK(json_quote("a\"b\\c") == R"("a\"b\\c")");
  CHECK(json_quote("line\nnext\ttab\r") == R"("line\nnext\ttab\r")");
  CHECK(json_quote(std::string("nul\0x", 5)) == R"("nul\u0000x")");
  CHECK(json_quote("\x01\x1f") == R"("\u0001\u001f")");
  CHECK(json_quote("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x97") == "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x97\"");
  const std::string replacement = "\xEF\xBF\xBD";
  CHECK(json_quote("bad\xFFx") == "\"bad" + replacement + "x\"");
  CHECK(json_quote("\xC3") == "\"" + replacement + "\"");                                      // truncated
  CHECK(json_quote("\xC0\xAF") == "\"" + replacement + replacement + "\"");                    // overlong
  CHECK(json_quote("\xED\xA0\x80") == "\"" + replacement + replacement + replacement + "\"");  // surrogate

  std::ostringstream out;
  Logger log(fixed_options(), out);
  log.error("evil \"msg\"\n\xFF", {{"k\"ey", "v\x02"}});
  auto d = parse(lines_of(out.str()).at(0));
  CHECK(std::string(d["message"].GetString()) == "evil \"msg\"\n" + replacement);
  CHECK(std::string(d["k\"ey"].GetString()) == "v\x02");
}

TEST_CASE("levels below the threshold are dropped and the threshold changes at runtime", "[logger]") {
  std::ostringstream out;
  Logger log(fixed_options(LogLevel::warn), out);
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  CHECK(lines_of(out.str()).size() == 2);
  log.set_level(LogLevel::debug);
  log.debug("d2");
  CHECK(lines_of(out.str()).size() == 3);
  CHECK(parse_log_level("WARNING") == LogLevel::warn);
  CHECK(parse_log_level("debug") == LogLevel::debug);
  CHECK_FALSE(parse_log_level("verbose").has_value());
}

TEST_CASE("correlation id scope nests, restores and is per thread", "[logger]") {
  std::ostringstream out;
  Logger log(fixed_options(), out);
  {
    CorrelationScope outer("req-1");
    log.info("a");
    {
      CorrelationScope inner("req-2");
      log.info("b");
      std::string other_thread_value = "unset";
      std::thread t([&] { other_thread_value = current_correlation_id(); });
      t.join();
      CHECK(other_thread_value.empty());
    }
    log.info("c");
    log.info("explicit wins", {{"correlation_id", "req-x"}});
  }
  log.info("d");
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 5);
  CHECK(std::string(parse(lines[0])["correlation_id"].GetString()) == "req-1");
  CHECK(std::string(parse(lines[1])["correlation_id"].GetString()) == "req-2");
  CHECK(std::string(parse(lines[2])["correlation_id"].GetString()) == "req-1");
  CHECK(std::string(parse(lines[3])["correlation_id"].GetString()) == "req-x");
  CHECK(std::string(parse(lines[4])["correlation_id"].GetString()).empty());
}

TEST_CASE("Redacted never prints the secret and bound fields appear on every line", "[logger]") {
  std::ostringstream out;
  Logger log(fixed_options(), out);
  auto child = log.with({{"component", "relay"}});
  child.warn("token refreshed", {{"token", Redacted{"s3cr3t"}}, {"vin", "VSSZZZ6JZ9R056308"}});
  const auto text = out.str();
  CHECK(text.find("s3cr3t") == std::string::npos);
  auto d = parse(lines_of(text).at(0));
  CHECK(std::string(d["token"].GetString()) == "***");
  CHECK(std::string(d["component"].GetString()) == "relay");
  CHECK(std::string(d["vin"].GetString()) == "VSSZZZ6JZ9R056308");
}

TEST_CASE("concurrent logging never interleaves lines", "[logger]") {
  std::ostringstream out;
  Logger log(fixed_options(), out);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) log.info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& t : threads) t.join();
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 800);
  for (const auto& l : lines) parse(l);
}

TEST_CASE("non-finite doubles become null", "[logger]") {
  std::ostringstream out;
  Logger log(fixed_options(), out);
  log.info("x", {{"v", std::numeric_limits<double>::quiet_NaN()}});
  auto d = parse(lines_of(out.str()).at(0));
  CHECK(d["v"].IsNull());
}
