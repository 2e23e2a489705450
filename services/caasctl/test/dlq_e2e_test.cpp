// The dead-letter round trip end to end (issue 16): a service built on
// libs/service's EventProcessor (key parking on, a real RocksDB store, the
// outbox relay, an in-process broker) dead-letters a poison record and parks
// its key; later records of the key park behind it. caasctl, run with the
// arguments an operator types, plans the redrive (dry run), edits the poison
// record, executes the plan — interrupted once and resumed without sending
// anything twice — and the service applies every record once, in order,
// with nothing later for the key overtaking them. A discard releases another
// key without applying its records. The audit topic has every step.
#include "cli_harness.hpp"

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/devbroker/testing.hpp>
#include <caas/kafka/dlq.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/service/event_processor.hpp>
#include <caas/store/outbox_relay.hpp>

#include "event_factory.hpp"
#include "eventually.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

using namespace caas;
using namespace caas::ctl::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kInput = "caas.test.redrive.v1";
constexpr const char* kDlq = "caas.dlq.redrivetest.v1";

// One parking service in-process: what it applied, in order.
struct Service {
  devbroker::MockCluster cluster{1};
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("caasctl-e2e-" + std::to_string(::getpid()));
  std::unique_ptr<store::StateStore> store;
  kafka::Producer producer{{cluster.bootstrap(), "e2e-relay", {}}};
  std::unique_ptr<store::OutboxRelay> relay;
  events::SchemaRegistry schemas{CAAS_SCHEMA_DIR};
  observability::Logger log{{"redrivetest", "test", observability::LogLevel::error, {}}};
  observability::Metrics metrics{false};
  std::mutex mutex;
  std::vector<std::string> applied;  // "<key>:<data>"
  std::unique_ptr<service::EventProcessor> processor;

  Service() {
    cluster.create_topic(kInput, 2);
    cluster.create_topic(kDlq, 2);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store = store::StateStore::open(dir / "store");
    relay = std::make_unique<store::OutboxRelay>(*store, producer);
    relay->start();
    service::EventProcessorOptions options;
    options.service = "redrivetest";
    options.topics = {kInput};
    options.group_id = "redrivetest";
    options.park_failed_keys = true;
    options.poll_timeout = 20ms;
    processor = std::make_unique<service::EventProcessor>(
        options, kafka::ClientConfig{cluster.bootstrap(), "e2e-consumer", {{"fetch.wait.max.ms", "10"}}}, *store,
        schemas, log, metrics,
        [this](const service::ConsumedEvent& e, store::WriteTxn&) {
          std::lock_guard lock(mutex);
          applied.push_back(std::string(e.record.key()) + ":" + e.envelope.data);
          return service::HandlerOutcome::applied();
        },
        [this] { return static_cast<std::size_t>(relay->pending()); });
    processor->start();
  }
  ~Service() {
    processor->stop();
    relay->stop(std::chrono::steady_clock::now() + 5s);
    relay.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::vector<std::string> effects() {
    std::lock_guard lock(mutex);
    return applied;
  }
  std::size_t dead_letters() { return devbroker::testing::consume_all(cluster.bootstrap(), kDlq).size(); }
};

std::string data(const std::string& name, int count) {
  return R"({"name":")" + name + R"(","count":)" + std::to_string(count) + "}";
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("e2e: poison record, parked key, edit and redrive applied once in order; discard; audit; resume",
          "[e2e][caasctl][dlq]") {
  Service svc;
  Cli cli{svc.cluster.bootstrap()};
  const auto& bootstrap = svc.cluster.bootstrap();

  // count -1 violates test.sample's schema: dead-lettered, k1 parked, the rest of k1 behind it.
  devbroker::testing::produce_all(
      bootstrap, {testing::sample_event(kInput, "k2", "other", 1),
                  testing::event_record(kInput, "k1", "test.sample", data("poison", -1)),
                  testing::sample_event(kInput, "k1", "later1", 2), testing::sample_event(kInput, "k1", "later2", 3)});
  REQUIRE(testing::eventually([&] { return svc.dead_letters() == 3; }, 60s));
  REQUIRE(testing::eventually([&] { return svc.effects().size() == 1; }, 30s));
  CHECK(svc.effects()[0] == "k2:" + data("other", 1));

  auto keys = cli({"dlq", "list", "--keys", "--service", "redrivetest"});
  REQUIRE(keys.rc == 0);
  auto key_lines = keys.lines();
  REQUIRE(key_lines.size() == 1);
  CHECK(str(key_lines[0], "key") == "k1");
  CHECK(num(key_lines[0], "pending") == 3);
  CHECK(num(key_lines[0], "behind") == 2);

  // A wide selection needs --all; the dry run lists the exact plan.
  CHECK(cli({"dlq", "redrive", "--service", "redrivetest"}).rc == 2);
  const auto plan_file = svc.dir / "plan.json";
  auto dry = cli({"dlq", "redrive", "--key", "k1", "--plan-out", plan_file.string(), "--reason", "schema fixed"});
  REQUIRE(dry.rc == 0);
  auto steps = dry.lines();
  REQUIRE(steps.size() == 4);
  CHECK(str(steps[0], "kind") == "record");
  CHECK(str(steps[3], "kind") == "release");
  CHECK(num(steps[0], "original_offset") < num(steps[1], "original_offset"));
  CHECK(num(steps[1], "original_offset") < num(steps[2], "original_offset"));
  const auto poison_ref = str(steps[0], "source");
  REQUIRE(std::filesystem::exists(plan_file));
  CHECK(svc.effects().size() == 1);  // a dry run sends nothing

  // Edit: an invalid version is refused, a JSON patch accepted (diff shown) and put into the plan.
  write(svc.dir / "bad.json", data("poison", -5));
  CHECK(cli({"dlq", "edit", poison_ref, "--data-file", (svc.dir / "bad.json").string(), "--reason", "x"}).rc == 1);
  write(svc.dir / "patch.json",
        R"([{"op":"replace","path":"/count","value":1},{"op":"replace","path":"/name","value":"fixed"}])");
  auto edit = cli({"dlq", "edit", poison_ref, "--patch", (svc.dir / "patch.json").string(), "--plan",
                   plan_file.string(), "--reason", "count must not be negative"});
  REQUIRE(edit.rc == 0);
  CHECK(edit.err.find("- /count: -1") != std::string::npos);
  CHECK(edit.err.find("+ /count: 1") != std::string::npos);

  // Execute, interrupted after the first step (Ctrl-C): exit 4, resumable.
  cli.after_step = [&](int seq) {
    if (seq == 1) cli.interrupted = true;
  };
  auto first = cli({"dlq", "redrive", "--execute", "--plan", plan_file.string(), "--rate", "100"});
  CHECK(first.rc == 4);
  CHECK(first.err.find("resume") != std::string::npos);
  cli.interrupted = false;
  cli.after_step = {};
  // As if killed after the broker acknowledged step 1 but before the progress
  // file said so: only the file's first line (the start offsets) survives.
  const auto progress = svc.dir / "plan.json.progress";
  auto text = slurp(progress);
  write(progress, text.substr(0, text.find('\n') + 1));
  auto resumed = cli({"dlq", "redrive", "--execute", "--plan", plan_file.string()});
  REQUIRE(resumed.rc == 0);
  CHECK(resumed.err.find("1 found only in the log") != std::string::npos);

  // Applied once each, in order; then the key is live again.
  REQUIRE(testing::eventually([&] { return svc.effects().size() == 4; }, 30s));
  devbroker::testing::produce_all(bootstrap, {testing::sample_event(kInput, "k1", "after", 4)});
  REQUIRE(testing::eventually([&] { return svc.effects().size() == 5; }, 30s));
  CHECK(svc.effects() == std::vector<std::string>{"k2:" + data("other", 1), "k1:" + data("fixed", 1),
                                                  "k1:" + data("later1", 2), "k1:" + data("later2", 3),
                                                  "k1:" + data("after", 4)});
  CHECK(svc.dead_letters() == 3);  // nothing failed again
  std::multiset<std::string> seqs;
  for (const auto& r : devbroker::testing::consume_all(bootstrap, kInput)) {
    if (auto seq = kafka::find_header(r.headers, "caas.redrive.seq")) seqs.insert(std::string(*seq));
  }
  CHECK(seqs == std::multiset<std::string>{"1", "2", "3", "4"});  // every step sent exactly once
  CHECK(cli({"dlq", "list", "--key", "k1"}).rc == 3);             // resolved
  auto again = cli({"dlq", "redrive", "--execute", "--plan", plan_file.string()});
  CHECK(again.rc == 0);
  CHECK(again.err.find("completely already") != std::string::npos);

  // Discard: k3's records are released without being applied.
  devbroker::testing::produce_all(bootstrap, {testing::event_record(kInput, "k3", "test.sample", data("bad", -1)),
                                              testing::sample_event(kInput, "k3", "stale", 1)});
  REQUIRE(testing::eventually([&] { return svc.dead_letters() == 5; }, 30s));
  const auto discard_file = svc.dir / "discard.json";
  auto plan_discard = cli(
      {"dlq", "discard", "--key", "k3", "--reason", "order cancelled upstream", "--plan-out", discard_file.string()});
  REQUIRE(plan_discard.rc == 0);
  REQUIRE(plan_discard.lines().size() == 1);
  auto discard = cli({"dlq", "discard", "--execute", "--plan", discard_file.string(), "--reason", "order cancelled"});
  REQUIRE(discard.rc == 0);
  devbroker::testing::produce_all(bootstrap, {testing::sample_event(kInput, "k3", "fresh", 2)});
  REQUIRE(testing::eventually([&] { return svc.effects().size() == 6; }, 30s));
  CHECK(svc.effects().back() == "k3:" + data("fresh", 2));
  CHECK(svc.dead_letters() == 5);

  // The audit trail has every step.
  auto history = cli({"dlq", "history"});
  REQUIRE(history.rc == 0);
  std::vector<std::string> trail;
  for (const auto& line : history.lines()) trail.push_back(str(line, "action") + "/" + str(line, "outcome"));
  CHECK(trail == std::vector<std::string>{"redrive-planned/planned", "edit/completed", "redrive/started",
                                          "redrive/partial", "redrive/completed", "discard/planned", "discard/started",
                                          "discard/completed"});
  for (const auto& line : history.lines()) CHECK(str(line, "actor") == "tester@ci");
  auto edits = cli({"dlq", "history", "--action", "edit", "-o", "wide"});
  CHECK(edits.out.find("\"count\":-1") != std::string::npos);  // both versions kept
  CHECK(edits.out.find("\"count\":1") != std::string::npos);
}
