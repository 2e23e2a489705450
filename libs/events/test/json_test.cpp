#include <catch2/catch.hpp>

#include "caas/events/errors.hpp"
#include "caas/events/json.hpp"

using namespace caas::events;

TEST_CASE("strict JSON accepts ordinary documents", "[json]") {
  auto d = parse_strict_json(R"( {"a":[1,2.5,-3,true,null,"x\u00e9"],"b":{"c":{}}} )");
  REQUIRE(d);
  CHECK((*d)["a"].Size() == 6);
  CHECK(to_json(*d) == R"({"a":[1,2.5,-3,true,null,"xé"],"b":{"c":{}}})");
  CHECK(parse_strict_json("\"just a string\""));
  CHECK(parse_strict_json("[]"));
}

TEST_CASE("10,000-deep nesting is rejected without crashing", "[json]") {
  for (const char* open : {"[", "{\"a\":"}) {
    std::string deep;
    for (int i = 0; i < 10000; ++i) deep += open;
    auto r = parse_strict_json(deep);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EventsErrc::nesting_too_deep);
  }
  std::string ok_depth = std::string(64, '[') + std::string(64, ']');
  CHECK(parse_strict_json(ok_depth));
  std::string too_deep = std::string(65, '[') + std::string(65, ']');
  CHECK(parse_strict_json(too_deep).error().code == EventsErrc::nesting_too_deep);
}

TEST_CASE("duplicate keys are rejected, including escaped duplicates", "[json]") {
  CHECK(parse_strict_json(R"({"a":1,"a":2})").error().code == EventsErrc::duplicate_key);
  CHECK(parse_strict_json(R"({"a":1,"\u0061":2})").error().code == EventsErrc::duplicate_key);
  CHECK(parse_strict_json(R"({"x":{"a":1,"a":1}})").error().code == EventsErrc::duplicate_key);
  CHECK(parse_strict_json(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"));  // same key in different objects
}

TEST_CASE("duplicate keys are found in small and large objects, across nested ones", "[json]") {
  // Small objects are scanned linearly, large ones indexed: both must agree.
  auto object = [](int keys, int duplicate_of, bool nested_between) {
    std::string s = "{";
    for (int i = 0; i < keys; ++i) {
      if (i > 0) s += ",";
      s += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
      if (nested_between && i == keys / 2) s += R"(,"inner":{"k0":1,"k1":{"k2":2}})";
    }
    if (duplicate_of >= 0) s += ",\"k" + std::to_string(duplicate_of) + "\":0";
    return s + "}";
  };
  for (int keys : {3, 16, 17, 40, 500}) {
    INFO(keys << " keys");
    CHECK(parse_strict_json(object(keys, -1, false)));
    CHECK(parse_strict_json(object(keys, -1, true)));  // the inner object's keys are its own
    CHECK(parse_strict_json(object(keys, 0, false)).error().code == EventsErrc::duplicate_key);
    CHECK(parse_strict_json(object(keys, keys - 1, true)).error().code == EventsErrc::duplicate_key);
    CHECK(parse_strict_json(object(keys, keys / 2, true)).error().code == EventsErrc::duplicate_key);
  }
}

TEST_CASE("unpaired UTF-16 surrogate escapes are rejected, pairs are accepted", "[json]") {
  // A lone low surrogate would decode to bytes that are not UTF-8 (found by fuzzing).
  CHECK(parse_strict_json(R"(["\udc00"])").error().code == EventsErrc::invalid_utf8);
  CHECK(parse_strict_json(R"({"a\udeee":1})").error().code == EventsErrc::invalid_utf8);
  CHECK(parse_strict_json(R"(["\udfff"])").error().code == EventsErrc::invalid_utf8);
  CHECK_FALSE(parse_strict_json(R"(["\ud800"])"));       // lone high surrogate
  CHECK_FALSE(parse_strict_json(R"(["\ud800x"])"));      // high surrogate, no low
  CHECK_FALSE(parse_strict_json("[\"\xed\xa0\x80\"]"));  // raw surrogate bytes
  auto pair = parse_strict_json(R"(["\ud83d\ude97"])");  // U+1F697 as a pair
  REQUIRE(pair);
  CHECK(std::string((*pair)[0].GetString()) == "\xF0\x9F\x9A\x97");
  CHECK(parse_strict_json(R"(["\ud7ff\ue000"])"));  // just outside the surrogate range
  CHECK(parse_strict_json(to_json(*pair)));
}

TEST_CASE("invalid UTF-8, BOM, NaN and non-JSON are rejected", "[json]") {
  CHECK(parse_strict_json("\"\xff\"").error().code == EventsErrc::invalid_utf8);
  CHECK(parse_strict_json("{\"\xc3\x28\":1}").error().code == EventsErrc::invalid_utf8);
  CHECK(parse_strict_json("\"\xc0\xaf\"").error().code == EventsErrc::invalid_utf8);  // overlong '/'
  CHECK(parse_strict_json("\xEF\xBB\xBF{}").error().code == EventsErrc::invalid_json);
  for (const char* bad :
       {"NaN", "[NaN]", "[Infinity]", "[-Infinity]", "{\"a\":nan}", "", "   ", "{", "[1,]", "{\"a\":1,}", "{'a':1}",
        "{a:1}", "[1] [2]", "01", "[1e400]", "// c\n{}", "<xml/>", "\"\\x\"", "\"\t\"",
        // just above DBL_MAX: RapidJSON's fast path rounds it to infinity
        "{\"d\":1.7976931358623148623157e308}"}) {
    INFO(bad);
    auto r = parse_strict_json(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EventsErrc::invalid_json);
  }
  CHECK(parse_strict_json(std::string("{}\0{}", 5)).error().code == EventsErrc::invalid_json);
}

TEST_CASE("size limits", "[json]") {
  StrictJsonLimits limits;
  limits.max_string_bytes = 8;
  limits.max_input_bytes = 64;
  limits.max_values = 5;
  CHECK(parse_strict_json(R"(["12345678"])", limits));
  CHECK(parse_strict_json(R"(["123456789"])", limits).error().code == EventsErrc::limit_exceeded);
  CHECK(parse_strict_json(R"({"123456789":1})", limits).error().code == EventsErrc::limit_exceeded);
  CHECK(parse_strict_json(std::string(65, ' '), limits).error().code == EventsErrc::limit_exceeded);
  CHECK(parse_strict_json("[1,2,3,4,5]", limits).error().code == EventsErrc::limit_exceeded);
  CHECK(parse_strict_json("[1,2,3,4]", limits));
}
