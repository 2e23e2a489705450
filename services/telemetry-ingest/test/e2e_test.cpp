// The real caas-telemetry-ingest binary as a child process against an
// in-process MockCluster: SIGKILLed in the middle of a stream of readings
// (duplicates, reordering, offline periods), restarted, then rebuilt from a
// wiped store. Neither changes a vehicle's state, timeline or connectivity
// log, nor adds an event id.
#include "domain/vehicle_events.hpp"

#include <caas/events/json_util.hpp>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "eventually.hpp"
#include "harness.hpp"
#include "local_resources.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

using namespace caas;
using namespace caas::telemetry;
using namespace caas::telemetry::test;
using namespace std::chrono_literals;
namespace json = caas::events::json;

namespace {

constexpr int kVehicles = 30;
constexpr std::uint64_t kReadings = 40;

/// Vehicle v falls silent (a gap longer than the 10 s timeout) before these seqs.
bool gap_before(int v, std::uint64_t seq) {
  return v % 3 == 0 && seq % 10 == 5;
}

struct Binary {
  Binary(std::filesystem::path dir, const std::string& bootstrap) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "api-keys") << kOperatorKey << " operator ops\n";
    env_ = {{"CAAS_KAFKA_BOOTSTRAP", bootstrap},
            {"CAAS_DATA_DIR", (dir_ / "data").string()},
            {"CAAS_HTTP_PORT", std::to_string(port_)},
            {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
            {"CAAS_LOG_LEVEL", "warn"},
            {"CAAS_INSTANCE_ID", "telemetry-e2e"},
            {"CAAS_SHUTDOWN_GRACE", "5s"},
            {"CAAS_KAFKA_FETCH_WAIT_MAX", "10ms"},
            {"CAAS_API_KEYS_FILE", (dir_ / "api-keys").string()},
            // Longer than the consumer ever leaves one partition aside while it
            // works through another's fetch (the backlog below is minutes old).
            {"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "10s"},
            {"CAAS_TELEMETRY_OFFLINE_GRACE", "0ms"},
            {"CAAS_TELEMETRY_OFFLINE_CHECK_INTERVAL", "50ms"},
            {"CAAS_TELEMETRY_OWNERSHIP_CHECK_INTERVAL", "200ms"}};
  }
  void start() {
    child_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{CAAS_TELEMETRY_BINARY}, env_);
    REQUIRE(testing::eventually([&] { return call(port_, "/readyz", "").status == 200; }, 60s));
  }
  void kill_hard() { child_->kill_hard(); }
  void stop() {
    child_->terminate();
    REQUIRE(child_->wait(20s) == 0);
  }
  void wipe() { std::filesystem::remove_all(dir_ / "data"); }
  std::uint16_t port() const { return port_; }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = testing::free_port();
  std::map<std::string, std::string> env_;
  std::unique_ptr<testing::ChildProcess> child_;
};

/// Every vehicle's readings, receipt times in the past (the whole history is
/// older than the timeout), with duplicates and reordering, in the order an
/// ingress writes them: by receipt time across vehicles.
std::vector<kafka::Record> history(std::int64_t t0) {
  std::vector<std::pair<std::int64_t, kafka::Record>> timed;
  for (int v = 0; v < kVehicles; ++v) {
    std::int64_t at = t0;
    for (std::uint64_t seq = 1; seq <= kReadings; ++seq) {
      at += gap_before(v, seq) ? 30'000 : 2'000;
      const std::string conf = R"(,"configuration":{"level":)" + std::to_string(seq / 10) + "}";
      const std::string diag =
          seq % 7 == 0 ? R"(,"diagnostics":[{"code":"P0420","severity":"warning"}])" : R"(,"diagnostics":[])";
      const ReadingSpec spec(vin(500 + v), seq, at, seq % 3 ? "RUNNING" : "PARKED", conf + diag);
      timed.emplace_back(at, reading_record(spec));
      if (seq % 20 == 3) timed.emplace_back(at, reading_record(spec));  // the same reading in another batch (new id)
      if (seq % 20 == 13) timed.emplace_back(at, timed.back().second);  // the same record again (redelivery: same id)
      // Reordered: this reading is written before the previous one.
      if (seq % 9 == 0) std::swap(timed.back().second, timed[timed.size() - 2].second);
    }
  }
  std::stable_sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<kafka::Record> out;
  for (auto& [at, record] : timed) out.push_back(std::move(record));
  return out;
}

std::map<std::string, std::string> snapshot(std::uint16_t port) {
  std::map<std::string, std::string> out;
  for (int v = 0; v < kVehicles; ++v) {
    for (const char* what : {"state", "timeline?limit=500", "connectivity"}) {
      out[vin(500 + v) + "/" + what] = call(port, "/api/v1/vehicles/" + vin(500 + v) + "/" + what).body;
    }
  }
  return out;
}

bool settled(std::uint16_t port) {
  for (int v = 0; v < kVehicles; ++v) {
    auto r = call(port, "/api/v1/vehicles/" + vin(500 + v) + "/state");
    if (r.status != 200) return false;
    auto s = r.json();
    if (json::int64(s, "seq") != static_cast<std::int64_t>(kReadings) || json::boolean(s["connection"], "online")) {
      return false;
    }
  }
  return true;
}

std::set<std::string> distinct_ids(const devbroker::MockCluster& cluster) {
  std::set<std::string> ids;
  for (const auto& e : vehicle_events(cluster)) ids.insert(e.id);
  return ids;
}

}  // namespace

TEST_CASE("kill -9 mid-stream and a wiped store change nothing", "[e2e][crash]") {
  devbroker::MockCluster cluster(1);
  Binary service(testing::fresh_dir("telemetry-e2e"), cluster.bootstrap());
  service.start();
  const auto t0 = now_ms() - 10 * 60'000;
  auto records = history(t0);
  const std::vector<kafka::Record> second(records.begin() + static_cast<std::ptrdiff_t>(records.size() / 2),
                                          records.end());
  records.resize(records.size() / 2);
  devbroker::testing::produce_all(cluster.bootstrap(), records);
  // SIGKILL once it has begun on the first half (wherever it is then: a
  // commit, an outbox send, a sweep); the second half is written while it is down.
  REQUIRE(testing::eventually(
      [&] {
        auto r = call(service.port(), "/api/v1/vehicles/" + vin(500) + "/state");
        return r.status == 200 && json::int64(r.json(), "seq").value_or(0) >= 3;
      },
      30s));
  service.kill_hard();
  devbroker::testing::produce_all(cluster.bootstrap(), second);
  service.start();
  REQUIRE(testing::eventually([&] { return settled(service.port()); }, 60s));
  const auto after_crash = snapshot(service.port());

  // Against expectations computed from the input alone.
  std::vector<VehicleEventSeen> evs;
  REQUIRE(testing::eventually(
      [&] {
        evs = vehicle_events(cluster);
        return count_type(evs, kTypeOffline) == kVehicles * 1 + (kVehicles / 3) * 4;
      },
      30s));
  for (int v = 0; v < kVehicles; ++v) {
    const auto id = vin(500 + v);
    INFO(id);
    const std::size_t gaps = v % 3 == 0 ? 4 : 0;  // before seq 5, 15, 25, 35
    CHECK(count_type(evs, kTypeOnline, id) == 1 + gaps);
    CHECK(count_type(evs, kTypeOffline, id) == 1 + gaps);
    CHECK(count_type(evs, kTypeConfigurationReported, id) == 5);  // levels 0..4
    auto st = call(service.port(), "/api/v1/vehicles/" + id + "/state").json();
    CHECK(json::int64(st, "readings_accepted") == static_cast<std::int64_t>(kReadings));
    auto cx = call(service.port(), "/api/v1/vehicles/" + id + "/connectivity").json();
    CHECK(cx["intervals"].Size() == 2 * (1 + gaps));
  }

  // A wiped store rebuilt from the log: the same answers, no new id.
  const auto ids = distinct_ids(cluster);
  service.stop();
  service.wipe();
  service.start();
  REQUIRE(testing::eventually([&] { return settled(service.port()); }, 60s));
  CHECK(snapshot(service.port()) == after_crash);
  REQUIRE(testing::eventually([&] { return vehicle_events(cluster).size() > evs.size(); }, 30s));
  service.stop();  // the outbox is drained on a clean stop
  CHECK(distinct_ids(cluster) == ids);
}
