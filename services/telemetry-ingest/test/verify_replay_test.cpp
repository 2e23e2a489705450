// Replay verification end to end: telemetry-ingest in process on an
// in-process broker, `caasctl verify replay` against its admin route. A
// state built from the log verifies clean (exit 0); one key changed in the
// live store while the service was stopped is reported (exit 5).
#include "app/telemetry_service.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/store/state_store.hpp>

#include <catch2/catch.hpp>

#include "cli_harness.hpp"
#include "eventually.hpp"
#include "harness.hpp"
#include "instance.hpp"
#include "local_resources.hpp"

#include <fstream>

using namespace caas;
using namespace caas::telemetry;
using namespace caas::telemetry::test;
using namespace std::chrono_literals;

namespace {

/// The live store has applied everything on its three input topics (the
/// fleet view reads the service's own events, so wait for those too).
bool applied_everything(Instance& inst, const devbroker::MockCluster& cluster) {
  if (inst.service->runtime().outbox_pending() != 0) return false;
  auto& store = inst.service->runtime().store();
  for (auto topic : {kTelemetryTopic, kOrderEventsTopic, kVehicleEventsTopic}) {
    std::int64_t applied = 0;
    for (const auto& [tp, off] : store.all_offsets()) {
      if (tp.topic == topic) applied += off;
    }
    const auto on_topic =
        static_cast<std::int64_t>(devbroker::testing::consume_all(cluster.bootstrap(), std::string(topic)).size());
    if (applied != on_topic) return false;
  }
  return true;
}

std::int64_t num(const rapidjson::Value& v, const char* k) {
  return events::json::int64(v, k).value_or(-1);
}

}  // namespace

TEST_CASE("verify replay: a state from the log verifies clean, a tampered key is reported with exit 5",
          "[component][verify-replay]") {
  devbroker::MockCluster cluster(1);
  const auto dir = testing::fresh_dir("telemetry-verify");
  Instance inst(cluster, dir, "t-0");
  REQUIRE(inst.wait_ready());
  const auto t0 = now_ms() - 10'000;
  std::vector<kafka::Record> records;
  for (int v = 0; v < 6; ++v) {
    for (std::uint64_t seq = 1; seq <= 5; ++seq) {
      records.push_back(
          reading_record({vin(v), seq, t0 + static_cast<std::int64_t>(seq) * 1000, seq % 2 ? "RUNNING" : "PARKED"}));
    }
  }
  std::swap(records[2], records[3]);  // reordered
  records.push_back(records[4]);      // duplicated
  records.push_back(delivered_record("ord-1", vin(1), "C-1"));
  devbroker::testing::produce_all(cluster.bootstrap(), records);
  REQUIRE(testing::eventually(
      [&] {
        for (int v = 0; v < 6; ++v) {
          if (inst.seq_of(vin(v)) != 5) return false;
        }
        return inst.service->service().store().owner(vin(1)).has_value();
      },
      30s));
  REQUIRE(testing::eventually([&] { return applied_everything(inst, cluster); }, 30s));

  const auto key_file = dir / "operator.key";
  std::ofstream(key_file) << kOperatorKey << "\n";
  ctl::testing::Cli cli{cluster.bootstrap()};
  auto url = [&] { return "http://127.0.0.1:" + std::to_string(inst.port()); };
  auto verify = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"verify",         "replay",          "telemetry-ingest", "--url", url(),
                                  "--api-key-file", key_file.string(), "--reason",         "test"};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(args);
  };

  auto clean = verify();
  INFO(clean.err);
  REQUIRE(clean.rc == 0);
  auto lines = clean.lines();
  REQUIRE(lines.size() == 1);
  const auto& report = lines[0];
  CHECK(num(report, "difference_count") == 0);
  CHECK(num(report, "live_keys") == num(report, "shadow_keys"));
  CHECK(num(report, "equal") == num(report, "live_keys"));
  CHECK(num(report, "live_keys") > 6 * 5);  // vehicles, timelines, connectivity, deadlines, owner, fleet
  CHECK(num(report, "records_applied") >= 6 * 5 + 1);
  CHECK_FALSE(events::json::boolean(report, "live_moved", true));
  CHECK(report["differences"].Size() == 0);

  // Nothing but an operator may run it; the wrong key is an error (exit 1).
  const auto dealer_file = dir / "dealer.key";
  std::ofstream(dealer_file) << kDealerKey << "\n";
  auto denied = cli({"verify", "replay", "telemetry-ingest", "--url", url(), "--api-key-file", dealer_file.string()});
  CHECK(denied.rc == 1);
  CHECK(denied.err.find("not authorised (403)") != std::string::npos);
  CHECK(cli({"verify", "replay", "order"}).rc == 2);  // not verifiable (yet)

  // Tamper with the owner record while the service is stopped.
  inst.stop();
  const auto owner_key = keys::owner(vin(1));
  {
    auto store = store::StateStore::open(dir / "data" / "telemetry-ingest");
    REQUIRE(store->get(owner_key).has_value());
    store::WriteTxn txn;
    txn.put(owner_key, encode_owner({"C-EVIL", "ord-1", "2026-11-20T10:00:00Z"}));
    REQUIRE(store->commit(std::move(txn)));
  }
  inst.start();
  REQUIRE(inst.wait_ready());
  REQUIRE(testing::eventually([&] { return applied_everything(inst, cluster); }, 30s));

  auto found = verify();
  INFO(found.err);
  REQUIRE(found.rc == 5);
  auto found_lines = found.lines();
  REQUIRE(found_lines.size() == 1);
  const auto& diff = found_lines[0];
  CHECK(num(diff, "difference_count") == 1);
  CHECK(num(diff, "differing") == 1);
  REQUIRE(diff["differences"].Size() == 1);
  const auto& d = diff["differences"][0];
  CHECK(events::json::str(d, "key") == owner_key);
  CHECK(events::json::str(d, "kind") == "differs");
  CHECK(events::json::str(d, "live").find("C-EVIL") != std::string::npos);
  CHECK(events::json::str(d, "shadow").find("C-1") != std::string::npos);

  auto table = verify({"-o", "table"});
  CHECK(table.rc == 5);
  CHECK(table.out.find("1 differences") != std::string::npos);
  CHECK(table.out.find(owner_key) != std::string::npos);

  // Each run is an audit event with its report.
  auto history = cli({"dlq", "history", "--action", "verify-replay", "-o", "jsonl"});
  REQUIRE(history.rc == 0);
  CHECK(history.lines().size() == 3);
  // The shadow stores are gone.
  std::size_t left = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "data")) {
    if (e.path().filename().string().find("verify-replay") != std::string::npos && !std::filesystem::is_empty(e.path()))
      ++left;
  }
  CHECK(left == 0);
}

TEST_CASE("verify replay: vehicles the live sweeper took offline by silence verify clean",
          "[component][verify-replay]") {
  devbroker::MockCluster cluster(1);
  const auto dir = testing::fresh_dir("telemetry-verify-offline");
  Instance inst(cluster, dir, "t-0", {{"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "1s"}});
  REQUIRE(inst.wait_ready());
  const auto t0 = now_ms() - 60'000;  // old readings: every vehicle falls silent
  std::vector<kafka::Record> records;
  for (int v = 0; v < 4; ++v) {
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      records.push_back(reading_record({vin(50 + v), seq, t0 + static_cast<std::int64_t>(seq) * 500}));
    }
  }
  devbroker::testing::produce_all(cluster.bootstrap(), records);
  REQUIRE(testing::eventually(
      [&] {
        for (int v = 0; v < 4; ++v) {
          auto s = inst.state(vin(50 + v));
          if (!s || events::json::int64(*s, "seq") != 3 || events::json::boolean((*s)["connection"], "online")) {
            return false;
          }
        }
        return true;
      },
      30s));
  REQUIRE(testing::eventually([&] { return applied_everything(inst, cluster); }, 30s));

  const auto key_file = dir / "operator.key";
  std::ofstream(key_file) << kOperatorKey << "\n";
  ctl::testing::Cli cli{cluster.bootstrap()};
  auto r = cli({"verify", "replay", "telemetry-ingest", "--url", "http://127.0.0.1:" + std::to_string(inst.port()),
                "--api-key-file", key_file.string()});
  INFO(r.out << r.err);
  CHECK(r.rc == 0);  // the shadow's own sweep takes the same vehicles offline
  auto lines = r.lines();
  REQUIRE(lines.size() == 1);
  CHECK(num(lines[0], "difference_count") == 0);
  CHECK(num(lines[0], "live_keys") > 4 * 3);
}
