// compare_stores and the report of replay verification: every difference
// (changed, missing on either side) over the given prefixes only, the list
// bounded and the counts whole; bookkeeping families never compared.
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/service/replay_verifier.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <unistd.h>

using namespace caas;

namespace {

struct TwoStores {
  static inline int counter = 0;
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("caas-verify-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::unique_ptr<store::StateStore> live = store::StateStore::open(dir / "live");
  std::unique_ptr<store::StateStore> shadow = store::StateStore::open(dir / "shadow");
  ~TwoStores() {
    live.reset();
    shadow.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static void put(store::StateStore& s, const std::string& key, const std::string& value) {
    store::WriteTxn txn;
    txn.put(key, value);
    REQUIRE(s.commit(std::move(txn)));
  }
  void both(const std::string& key, const std::string& value) {
    put(*live, key, value);
    put(*shadow, key, value);
  }
};

}  // namespace

TEST_CASE("equal stores compare without differences", "[verify-replay]") {
  TwoStores s;
  for (int i = 0; i < 10; ++i) s.both("v/" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}");
  s.both("fc", "{\"known\":10}");
  // Bookkeeping in other families differs freely.
  store::WriteTxn txn;
  txn.set_offset("t", 0, 42);
  txn.mark_processed("ev-1");
  REQUIRE(s.live->commit(std::move(txn)));
  const auto c = service::compare_stores(*s.live, *s.shadow, {"v/", "fc"});
  CHECK(c.live_keys == 11);
  CHECK(c.shadow_keys == 11);
  CHECK(c.equal == 11);
  CHECK(c.total_differences() == 0);
  CHECK(c.differences.empty());
  CHECK(c.listed_all());
}

TEST_CASE("a changed value and keys missing on either side are each reported", "[verify-replay]") {
  TwoStores s;
  s.both("v/A", "same");
  TwoStores::put(*s.live, "v/B", "tampered");
  TwoStores::put(*s.shadow, "v/B", "replayed");
  TwoStores::put(*s.live, "v/C", "only live");
  TwoStores::put(*s.shadow, "tl/D/1", "only shadow");
  TwoStores::put(*s.live, "__parked/x", "outside the prefixes");
  const auto c = service::compare_stores(*s.live, *s.shadow, {"v/", "tl/"});
  CHECK(c.equal == 1);
  CHECK(c.differing == 1);
  CHECK(c.missing_in_shadow == 1);
  CHECK(c.missing_in_live == 1);
  REQUIRE(c.differences.size() == 3);
  CHECK(c.differences[0].key == "v/B");
  CHECK(c.differences[0].kind == service::StoreDifference::Kind::differs);
  CHECK(c.differences[0].live == "tampered");
  CHECK(c.differences[0].shadow == "replayed");
  CHECK(c.differences[1].key == "v/C");
  CHECK(c.differences[1].kind == service::StoreDifference::Kind::missing_in_shadow);
  CHECK(c.differences[2].key == "tl/D/1");
  CHECK(c.differences[2].kind == service::StoreDifference::Kind::missing_in_live);
}

TEST_CASE("the list of differences is bounded, the counts are not, long values are cut", "[verify-replay]") {
  TwoStores s;
  for (int i = 0; i < 30; ++i) TwoStores::put(*s.live, "v/" + std::to_string(100 + i), std::string(2000, 'x'));
  const auto c = service::compare_stores(*s.live, *s.shadow, {"v/"}, 5);
  CHECK(c.missing_in_shadow == 30);
  CHECK(c.differences.size() == 5);
  CHECK_FALSE(c.listed_all());
  CHECK(c.differences[0].live.size() == service::kMaxShownValue);
}

TEST_CASE("the report names every count, partition and difference", "[verify-replay]") {
  service::ReplayReport r;
  r.service = "telemetry-ingest";
  r.key_prefixes = {"v/"};
  r.partitions.push_back({"caas.ingress.iot-telemetry.v1", 3, 17, 17, false});
  r.comparison.differing = 1;
  r.comparison.equal = 4;
  r.comparison.differences.push_back({service::StoreDifference::Kind::differs, "v/X", "a", "b"});
  auto doc = events::parse_strict_json(service::report_json(r));
  REQUIRE(doc);
  namespace json = caas::events::json;
  CHECK(json::str(*doc, "service") == "telemetry-ingest");
  CHECK(json::int64(*doc, "difference_count") == 1);
  CHECK(json::int64(*doc, "equal") == 4);
  CHECK_FALSE(json::boolean(*doc, "differences_truncated", true));
  REQUIRE((*doc)["partitions"].Size() == 1);
  CHECK(json::int64((*doc)["partitions"][0], "live_offset") == 17);
  REQUIRE((*doc)["differences"].Size() == 1);
  CHECK(json::str((*doc)["differences"][0], "kind") == "differs");
  CHECK(json::str((*doc)["differences"][0], "live") == "a");
  CHECK(json::str((*doc)["differences"][0], "shadow") == "b");
}
