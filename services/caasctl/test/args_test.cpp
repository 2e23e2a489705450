// Argument syntaxes and the command line itself: times, offsets, formats,
// record references, exit codes of usage errors and --help.
#include "cli/args.hpp"
#include "app/commands.hpp"

#include <caas/events/time.hpp>

#include <catch2/catch.hpp>

#include <sstream>

using namespace caas;
using namespace caas::ctl;
using namespace std::chrono_literals;

namespace {

struct Ran {
  int rc;
  std::string out, err;
};

Ran run_args(std::vector<std::string> args, bool terminal = false) {
  std::ostringstream out, err;
  Io io{out, err};
  io.out_is_terminal = terminal;
  std::vector<const char*> argv{"caasctl"};
  for (auto& a : args) argv.push_back(a.c_str());
  const int rc = run(static_cast<int>(argv.size()), argv.data(), io);
  return {rc, out.str(), err.str()};
}

}  // namespace

TEST_CASE("args: times are RFC 3339, epoch milliseconds or relative to now", "[unit][caasctl]") {
  const auto now = *events::parse_rfc3339("2026-12-03T12:00:00Z");
  CHECK(*parse_time("2026-12-03T10:00:00Z", now) == now - 2h);
  CHECK(*parse_time("-1h", now) == now - 1h);
  CHECK(*parse_time("-15m", now) == now - 15min);
  CHECK(*parse_time("+30s", now) == now + 30s);
  CHECK(*parse_time("-2d", now) == now - 48h);
  CHECK(*parse_time("-500ms", now) == now - 500ms);
  CHECK(*parse_time("1796299200000", now) == now);
  for (const char* bad : {"", "yesterday", "-1y", "-h", "2026-12-03 10:00:00", "1h"}) {
    auto r = parse_time(bad, now);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == std::errc::invalid_argument);
  }
}

TEST_CASE("args: offsets are start, end, N, +N or -N, clamped to the partition", "[unit][caasctl]") {
  CHECK(parse_offset("start")->resolve(5, 20) == 5);
  CHECK(parse_offset("end")->resolve(5, 20) == 20);
  CHECK(parse_offset("7")->resolve(5, 20) == 7);
  CHECK(parse_offset("2")->resolve(5, 20) == 5);
  CHECK(parse_offset("+3")->resolve(5, 20) == 8);
  CHECK(parse_offset("-3")->resolve(5, 20) == 17);
  CHECK(parse_offset("-100")->resolve(5, 20) == 5);
  CHECK(parse_offset("+100")->resolve(5, 20) == 20);
  for (const char* bad : {"", "begin", "+", "-x", "3.5", "++3"}) CHECK_FALSE(parse_offset(bad));
}

TEST_CASE("args: output format defaults to a table on a terminal and JSON lines otherwise", "[unit][caasctl]") {
  CHECK(*parse_format("", true) == Format::table);
  CHECK(*parse_format("", false) == Format::jsonl);
  CHECK(*parse_format("wide", false) == Format::wide);
  CHECK(*parse_format("json", true) == Format::json);
  CHECK_FALSE(parse_format("yaml", true));
}

TEST_CASE("args: record references and header filters", "[unit][caasctl]") {
  auto r = parse_record_ref("caas.dlq.order.v1/2/41");
  REQUIRE(r);
  CHECK(r->topic == "caas.dlq.order.v1");
  CHECK(r->partition == 2);
  CHECK(r->offset == 41);
  CHECK(r->str() == "caas.dlq.order.v1/2/41");
  CHECK(parse_record_ref("my/topic/with/slashes/0/1")->topic == "my/topic/with/slashes");
  for (const char* bad : {"", "topic", "topic/1", "/1/2", "t/-1/2", "t/1/x"}) CHECK_FALSE(parse_record_ref(bad));
  auto h = parse_header_filter("ce_type=order.created=x");
  REQUIRE(h);
  CHECK(h->first == "ce_type");
  CHECK(h->second == "order.created=x");
  CHECK_FALSE(parse_header_filter("=v"));
  CHECK_FALSE(parse_header_filter("novalue"));
}

TEST_CASE("args: relative times for the table", "[unit][caasctl]") {
  const auto now = *events::parse_rfc3339("2026-12-03T12:00:00Z");
  CHECK(relative(now - 12s, now) == "12 s ago");
  CHECK(relative(now - 3min, now) == "3 min ago");
  CHECK(relative(now - 5h, now) == "5 h ago");
  CHECK(relative(now - 72h, now) == "3 d ago");
  CHECK(relative(now + 2h, now) == "in 2 h");
}

TEST_CASE("cli: usage errors exit 2 with the message on stderr, help exits 0 on stdout", "[unit][caasctl]") {
  auto none = run_args({});
  CHECK(none.rc == 2);
  CHECK(none.out.empty());
  CHECK_FALSE(none.err.empty());

  auto help = run_args({"--help"});
  CHECK(help.rc == 0);
  CHECK(help.out.find("dlq") != std::string::npos);
  CHECK(help.out.find("Exit codes") != std::string::npos);

  auto dlq_help = run_args({"dlq", "redrive", "--help"});
  CHECK(dlq_help.rc == 0);
  CHECK(dlq_help.out.find("--plan-out") != std::string::npos);
  CHECK(dlq_help.out.find("--max-redrives") != std::string::npos);

  CHECK(run_args({"frobnicate"}).rc == 2);
  CHECK(run_args({"tail"}).rc == 2);                          // TOPIC missing
  CHECK(run_args({"dlq", "discard", "--key", "k"}).rc == 2);  // --reason is required
  CHECK(run_args({"topic", "list", "-o", "yaml"}).rc == 2);   // unknown format
  CHECK(run_args({"tail", "t", "--since", "yesterday", "--bootstrap", "127.0.0.1:1"}).rc == 2);
  auto no_broker = run_args({"topic", "list"});
  CHECK(no_broker.rc == 2);
  CHECK(no_broker.err.find("--bootstrap") != std::string::npos);
  // Global options are accepted after the command as well.
  CHECK(run_args({"dlq", "list", "--timeout", "soon"}).rc == 2);
}

TEST_CASE("cli: redrive refuses a wide selection without --all and --execute without a plan", "[unit][caasctl]") {
  auto wide = run_args({"dlq", "redrive", "--service", "order", "--bootstrap", "127.0.0.1:1"});
  CHECK(wide.rc == 2);
  CHECK(wide.err.find("--all") != std::string::npos);
  auto exec = run_args({"dlq", "redrive", "--execute", "--bootstrap", "127.0.0.1:1"});
  CHECK(exec.rc == 2);
  CHECK(exec.err.find("--plan") != std::string::npos);
}
