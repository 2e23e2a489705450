// Plans: what a redrive or a discard sends, in which order, with which
// headers; the plan file round trip; refusals; edits.
#include "dlq/plan.hpp"
#include "dlq/edit.hpp"

#include <caas/events/envelope.hpp>
#include <caas/kafka/dlq.hpp>

#include <catch2/catch.hpp>

using namespace caas;
using namespace caas::ctl;

namespace {

DeadLetter dead(const std::string& key, std::int64_t dlq_offset, std::int64_t original_offset, bool parked,
                int redrives = 0) {
  auto e = events::make_envelope("test.sample", "caas/test", key,
                                 R"({"name":"n)" + std::to_string(original_offset) + R"(","count":-1})", "corr", "");
  REQUIRE(e);
  kafka::ConsumedRecord original{"caas.test.ledger.v1", 2,
                                 original_offset,       key,
                                 events::serialize(*e), {{"ce_type", "test.sample"}, {"x-trace", "t1"}}};
  if (redrives) original.headers.push_back({"caas.redrive.count", std::to_string(redrives)});
  kafka::DlqInfo info{kafka::ErrorClass::permanent, "illegal", 1, {}, parked, true};
  auto r = kafka::make_dlq_record("ledger", original.view(), info);
  return decode_dead_letter({r.topic, 0, dlq_offset, r.key, r.value, r.headers}, 0);
}

std::string header(const kafka::Headers& h, std::string_view name) {
  auto v = kafka::find_header(h, name);
  return v ? std::string(*v) : "<missing>";
}

PlanRequest request() {
  return {"plan-1", "alice@host", "fixed upstream", "2026-12-03T12:00:00.000Z", 3};
}

}  // namespace

TEST_CASE("plan: a parked key's dead letters go back in order, then its release marker", "[unit][caasctl]") {
  std::vector<DeadLetter> all{dead("k1", 0, 10, false), dead("k1", 1, 11, true), dead("k1", 2, 12, true)};
  AuditState audit;
  auto plan = make_redrive_plan({{&all[0], &all[1], &all[2]}}, audit, request());
  REQUIRE(plan);
  REQUIRE(plan->steps.size() == 4);
  CHECK(plan->record_steps() == 3);
  CHECK(plan->release_steps() == 1);
  CHECK(plan->covers.size() == 3);
  for (int i = 0; i < 3; ++i) {
    const auto& s = plan->steps[i];
    CHECK(s.seq == i + 1);
    CHECK(s.kind == PlanStep::Kind::record);
    CHECK(s.topic == "caas.test.ledger.v1");
    CHECK(s.partition == 2);
    CHECK(s.original_offset == 10 + i);
    CHECK(s.value == all[i].value);
    CHECK(header(s.headers, "dlq.error.class") == "<missing>");  // the failure is not part of the record
    CHECK(header(s.headers, "x-trace") == "t1");
    CHECK(header(s.headers, "caas.redrive.plan") == "plan-1");
    CHECK(header(s.headers, "caas.redrive.service") == "ledger");
    CHECK(header(s.headers, "caas.redrive.count") == "1");
    CHECK(header(s.headers, "caas.redrive.seq") == std::to_string(i + 1));
    CHECK(header(s.headers, "caas.redrive.source") == all[i].ref.str());
  }
  const auto& marker = plan->steps[3];
  CHECK(marker.kind == PlanStep::Kind::release);
  CHECK(marker.key == "k1");
  CHECK(marker.partition == 2);
  CHECK(header(marker.headers, "caas.control") == "release");
  CHECK(header(marker.headers, "caas.release.resolves") == "0");
  auto rec = marker.record();
  REQUIRE(rec.partition);
  CHECK(*rec.partition == 2);
}

TEST_CASE("plan: the plan file round-trips exactly", "[unit][caasctl]") {
  std::vector<DeadLetter> all{dead("k1", 0, 10, false), dead("k1", 1, 11, true)};
  AuditState audit;
  auto plan = make_redrive_plan({{&all[0], &all[1]}}, audit, request());
  REQUIRE(plan);
  plan->steps[0].value = std::string("\xff\x00 binary", 9);
  auto back = parse_plan(plan_json(*plan));
  REQUIRE(back);
  CHECK(back->id == "plan-1");
  CHECK(back->action == "redrive");
  CHECK(back->reason == "fixed upstream");
  REQUIRE(back->steps.size() == plan->steps.size());
  for (std::size_t i = 0; i < plan->steps.size(); ++i) {
    CHECK(back->steps[i].seq == plan->steps[i].seq);
    CHECK(back->steps[i].kind == plan->steps[i].kind);
    CHECK(back->steps[i].value == plan->steps[i].value);
    CHECK(back->steps[i].headers == plan->steps[i].headers);
    CHECK(back->steps[i].source == plan->steps[i].source);
  }
  REQUIRE(back->covers.size() == 2);
  CHECK(back->covers[1].dlq == all[1].ref);
  CHECK_FALSE(parse_plan("{}"));
  CHECK_FALSE(parse_plan("not json"));
  auto text = plan_json(*plan);
  text.replace(text.find("\"seq\":2"), 7, "\"seq\":5");
  CHECK_FALSE(parse_plan(text));  // out of sequence
}

TEST_CASE("plan: a record redriven max-redrives times already is refused", "[unit][caasctl]") {
  std::vector<DeadLetter> all{dead("k1", 0, 10, false, 3)};
  AuditState audit;
  auto plan = make_redrive_plan({{&all[0]}}, audit, request());
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message.find("redriven 3 times") != std::string::npos);
  auto ok = make_redrive_plan({{&all[0]}}, audit, {"p", "a", "r", "t", 4});
  REQUIRE(ok);
  CHECK(header(ok->steps[0].headers, "caas.redrive.count") == "4");
}

TEST_CASE("plan: an edit recorded in the audit trail is what the plan sends", "[unit][caasctl]") {
  std::vector<DeadLetter> all{dead("k1", 0, 10, false)};
  AuditState audit;
  audit.edits[all[0].ref] = {R"({"name":"fixed","count":1})", "t", "alice"};
  auto plan = make_redrive_plan({{&all[0]}}, audit, request());
  REQUIRE(plan);
  CHECK(plan->steps[0].edited);
  auto env = events::parse_envelope(plan->steps[0].value);
  REQUIRE(env);
  CHECK(env->data == R"({"name":"fixed","count":1})");
  CHECK(env->id == all[0].event_id);  // the same event: applied once
}

TEST_CASE("plan: a discard sends only release markers resolving each key's chain", "[unit][caasctl]") {
  std::vector<DeadLetter> all{dead("k1", 0, 10, false), dead("k1", 1, 11, true)};
  auto plan = make_discard_plan({{&all[0], &all[1]}}, request());
  REQUIRE(plan);
  REQUIRE(plan->steps.size() == 1);
  CHECK(plan->steps[0].kind == PlanStep::Kind::release);
  CHECK(plan->steps[0].resolves == 2);
  CHECK(header(plan->steps[0].headers, "caas.release.resolves") == "2");
  CHECK(plan->covers.size() == 2);
}

TEST_CASE("edit: JSON Patch, merge patch and the diff", "[unit][caasctl]") {
  const std::string data = R"({"name":"x","count":-1,"tags":["a"]})";
  auto p = apply_patch(data, R"([{"op":"test","path":"/count","value":-1},{"op":"replace","path":"/count","value":1},)"
                             R"({"op":"add","path":"/tags/-","value":"b"},{"op":"remove","path":"/name"}])");
  REQUIRE(p);
  CHECK(*p == R"({"count":1,"tags":["a","b"]})");
  CHECK_FALSE(apply_patch(data, R"([{"op":"test","path":"/count","value":5}])"));
  CHECK_FALSE(apply_patch(data, R"([{"op":"replace","path":"/missing","value":5}])"));
  CHECK_FALSE(apply_patch(data, R"([{"op":"move","from":"/a","path":"/b"}])"));
  auto m = apply_patch(data, R"({"count":2,"tags":null,"nested":{"flag":true}})");
  REQUIRE(m);
  CHECK(*m == R"({"name":"x","count":2,"nested":{"flag":true}})");
  CHECK(json_diff(data, *m) == "- /count: -1\n+ /count: 2\n- /tags/0: \"a\"\n+ /nested/flag: true\n");
  CHECK(json_diff(data, data).empty());
}
