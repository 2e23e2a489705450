#include <catch2/catch.hpp>

#include "caas/events/envelope.hpp"
#include "caas/events/errors.hpp"

using namespace caas::events;
using namespace std::chrono;

namespace {
// Shape check without std::regex (GCC 12 + sanitizers warn inside <regex>).
bool is_uuid_v4(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

const auto kT = system_clock::time_point{sys_days{year{2026} / 1 / 10} + hours{14} + minutes{30}};
Clock fixed_clock() {
  return [] { return kT; };
}

Envelope sample(IdGenerator ids = seeded_uuid_generator(1)) {
  EnvelopeBuilder b("caas/order", fixed_clock(), std::move(ids));
  return b.build("order.status-changed", "order-1", R"({ "order_id": "order-1", "n": [1, 2] })", "req-1", "evt-0")
      .value();
}
}  // namespace

TEST_CASE("builder fills attributes and ids are UUID v4", "[envelope]") {
  const Envelope e = sample();
  CHECK(is_uuid_v4(e.id));
  CHECK(is_uuid_v4(uuid_v4()));
  CHECK(uuid_v4() != uuid_v4());
  CHECK(e.source == "caas/order");
  CHECK(e.time == "2026-01-10T14:30:00.000Z");
  CHECK(e.dataschema == "proto-schemas/order.status-changed.v1.json");
  CHECK(e.data == R"({"order_id":"order-1","n":[1,2]})");
  CHECK(sample().id == e.id);  // seeded: reproducible
  CHECK(sample(seeded_uuid_generator(2)).id != e.id);
}

TEST_CASE("serialize and parse round trip", "[envelope]") {
  const Envelope e = sample();
  const std::string wire = serialize(e);
  CHECK(wire.find(R"("specversion":"1.0")") != std::string::npos);
  CHECK(wire.find(R"("data":{"order_id":"order-1","n":[1,2]})") != std::string::npos);  // object, not string
  auto back = parse_envelope(wire);
  REQUIRE(back);
  CHECK(back->id == e.id);
  CHECK(back->source == e.source);
  CHECK(back->type == e.type);
  CHECK(back->subject == e.subject);
  CHECK(back->time == e.time);
  CHECK(back->datacontenttype == "application/json");
  CHECK(back->dataschema == e.dataschema);
  CHECK(back->correlationid == e.correlationid);
  CHECK(back->causationid == e.causationid);
  CHECK(back->data == e.data);
  CHECK(serialize(*back) == wire);
}

TEST_CASE("optional attributes may be omitted", "[envelope]") {
  Envelope e = sample();
  e.causationid.clear();
  e.dataschema.clear();
  const auto wire = serialize(e);
  CHECK(wire.find("causationid") == std::string::npos);
  auto back = parse_envelope(wire);
  REQUIRE(back);
  CHECK(back->causationid.empty());
}

TEST_CASE("kafka headers", "[envelope]") {
  const Envelope e = sample();
  const auto h = kafka_headers(e);
  REQUIRE(h.size() == 3);
  CHECK(h[0] == std::pair<std::string, std::string>{"ce_type", "order.status-changed"});
  CHECK(h[1] == std::pair<std::string, std::string>{"ce_id", e.id});
  CHECK(h[2] == std::pair<std::string, std::string>{"correlationid", "req-1"});
}

TEST_CASE("builder rejects bad data", "[envelope]") {
  EnvelopeBuilder b("caas/order", fixed_clock(), seeded_uuid_generator(1));
  CHECK(b.build("t", "s", "[1]", "c").error().code == EventsErrc::invalid_attribute);
  CHECK(b.build("t", "s", "{", "c").error().code == EventsErrc::invalid_json);
  CHECK(b.build("t", "s", R"({"a":1,"a":2})", "c").error().code == EventsErrc::duplicate_key);
  CHECK(b.build("", "s", "{}", "c").error().code == EventsErrc::invalid_attribute);
  CHECK(b.build("t", "", "{}", "c").error().code == EventsErrc::invalid_attribute);
  CHECK(b.build("t", "s", "{}", "").error().code == EventsErrc::invalid_attribute);
  CHECK(make_envelope("t", "src", "s", "{}", "c", "", fixed_clock()));
}

TEST_CASE("parse errors name each missing or bad attribute", "[envelope]") {
  const std::string wire = serialize(sample());
  auto doc = parse_strict_json(wire).value();
  for (const char* attr : {"specversion", "id", "source", "type", "subject", "time", "correlationid", "data"}) {
    auto copy = parse_strict_json(wire).value();
    copy.RemoveMember(attr);
    auto r = parse_envelope(to_json(copy));
    INFO(attr);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EventsErrc::missing_attribute);
    CHECK(r.error().message.find(std::string("'") + attr + "'") != std::string::npos);
  }
  auto with = [&](const char* attr, const char* value_json) {
    auto copy = parse_strict_json(wire).value();
    auto v = parse_strict_json(value_json).value();
    copy[attr].CopyFrom(v, copy.GetAllocator());
    return parse_envelope(to_json(copy));
  };
  struct Case {
    const char* attr;
    const char* value;
  };
  for (auto c : {Case{"specversion", R"("0.3")"}, Case{"id", R"("")"}, Case{"id", "7"}, Case{"time", R"("yesterday")"},
                 Case{"time", R"("2026-02-30T00:00:00Z")"}, Case{"datacontenttype", R"("text/plain")"},
                 Case{"data", R"("{}")"}, Case{"data", "[1]"}, Case{"dataschema", "null"}, Case{"subject", "{}"}}) {
    INFO(c.attr << " = " << c.value);
    auto r = with(c.attr, c.value);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EventsErrc::invalid_attribute);
    CHECK(r.error().message.find(std::string("'") + c.attr + "'") != std::string::npos);
  }
  CHECK(parse_envelope("[]").error().code == EventsErrc::invalid_json);
  CHECK(parse_envelope("{").error().code == EventsErrc::invalid_json);
  // Unknown scalar extension attributes are tolerated.
  auto ext = parse_strict_json(wire).value();
  ext.AddMember("traceparent", "00-abc", ext.GetAllocator());
  CHECK(parse_envelope(to_json(ext)));
}
