// ota_e2e_test: the real caas-ota-engine binary as a child process, against
// the real caas-iot-sim and caas-webhook-ingress processes and an
// in-process Kafka-protocol broker. SIGKILL while commands are being sent
// and while activations wait to retry, restart: the same activations
// complete with the same attempt numbers, the simulator never received a
// command twice, and each activation is charged exactly once. A wiped store
// replays to the same activations, posts no command and emits no billing
// event. Every wait is bounded.
#include "ota_harness.hpp"

using namespace caas;
using namespace caas::ota;
using namespace caas::ota::test;

namespace {

class EngineProcess {
 public:
  EngineProcess(const Partners& partners, std::map<std::string, std::string> overrides = {})
      : data_dir_(partners.dir() / "ota-data"), port_(testing::free_port()) {
    env_ = partners.ota_env(data_dir_.string());
    env_["CAAS_HTTP_PORT"] = std::to_string(port_);
    env_["CAAS_OTA_RETRY_SCALE"] = "0.2";
    for (auto& [k, v] : overrides) env_[k] = v;
    start();
  }
  void start() {
    proc_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{CAAS_OTA_BINARY}, env_);
    INFO("caas-ota-engine on port " << port_);
    REQUIRE(testing::eventually([&] { return call(port_, "GET", "/readyz", "").status == 200; }, 60s));
  }
  void kill_hard() { proc_->kill_hard(); }
  void stop() {
    proc_->terminate();
    REQUIRE(proc_->wait(20s) == 0);
  }
  void wipe() { std::filesystem::remove_all(data_dir_); }
  std::uint16_t port() const { return port_; }

 private:
  std::filesystem::path data_dir_;
  std::uint16_t port_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<testing::ChildProcess> proc_;
};

struct Bought {
  std::string vin;
  std::string id;
};

/// Every command the simulator received was received once, and is one of the activation's attempts.
void check_commands_sent_once(const Partners& partners, const Bought& b, const rapidjson::Value& view) {
  std::set<std::string> attempts;
  int n = 0;
  for (const auto& a : view["attempts"].GetArray()) {
    CHECK(json::int64(a, "attempt") == ++n);  // consecutive attempt numbers
    CHECK(json::str(a, "command_id") == b.id + "." + std::to_string(n));
    attempts.insert(json::str(a, "command_id"));
  }
  auto cmds = partners.commands(b.vin);
  for (const auto& c : cmds["commands"].GetArray()) {
    INFO(b.vin << " " << events::to_json(c));
    CHECK(json::int64(c, "requests") == 1);  // never sent twice
    CHECK(attempts.count(json::str(c, "command_id")) == 1);
  }
}

std::map<std::string, std::size_t> billing_per_key(const Partners& partners) {
  std::map<std::string, std::size_t> out;
  for (const auto& e : topic_events(partners.bootstrap(), kBillingTopic)) ++out[e.key];
  return out;
}

}  // namespace

TEST_CASE("kill -9 during sends and during retry waits: same attempts, no command twice, one charge each", "[e2e]") {
  Partners partners("ota-e2e-kill", 12, {"--apply-delay", "700ms"});
  std::vector<std::pair<std::string, std::string>> fleet = partners.fleet();
  std::vector<kafka::Record> deliveries;
  for (const auto& [vin, platform] : fleet) deliveries.push_back(delivered(vin, "C-" + vin, platform));
  partners.produce(deliveries);
  EngineProcess engine(partners);
  wait_known(engine.port(), fleet.back().first);

  // Round 1: killed while commands are being sent and applied.
  std::vector<Bought> first;
  for (std::size_t i = 0; i < 6; ++i) {
    auto r = purchase(engine.port(), fleet[i].first, "PERFORMANCE_BOOST");
    INFO(r.body);
    REQUIRE(r.status == 202);
    first.push_back({fleet[i].first, r.str("activation_id")});
  }
  REQUIRE(testing::eventually(
      [&] {
        std::size_t sent = 0;
        for (const auto& b : first) sent += partners.commands(b.vin)["commands"].Size();
        return sent >= 3;
      },
      20s));
  engine.kill_hard();
  engine.start();
  for (const auto& b : first) {
    auto view = wait_terminal(engine.port(), b.id);
    CHECK(json::str(view, "state") == "ACTIVE");
    check_commands_sent_once(partners, b, view);
  }

  // Round 2: killed while every activation waits to retry (the API IoT answered 503).
  partners.faults(R"({"api":{"next_errors":[503,503,503,503]}})");
  std::vector<Bought> second;
  for (std::size_t i = 6; i < 10; ++i) {
    auto r = purchase(engine.port(), fleet[i].first, "SNOW_MODE");
    REQUIRE(r.status == 202);
    second.push_back({fleet[i].first, r.str("activation_id")});
  }
  // Killed as soon as every one has had its 503 (most are waiting to retry then).
  std::size_t waiting = 0;
  REQUIRE(testing::eventually(
      [&] {
        waiting = 0;
        for (const auto& b : second) {
          auto r = call(engine.port(), "GET", "/api/v1/activations/" + b.id);
          if (r.status != 200) return false;
          auto v = r.json();
          if (v["attempts"].Size() < 1 || json::str(v["attempts"][0], "outcome") != "network_error") return false;
          waiting += json::str(v, "state") == "RETRY_WAIT" ? 1 : 0;
        }
        return true;
      },
      20s));
  engine.kill_hard();
  INFO(waiting << " of " << second.size() << " were waiting to retry when killed");
  CHECK(waiting >= 1);
  engine.start();
  for (const auto& b : second) {
    auto view = wait_terminal(engine.port(), b.id);
    CHECK(json::str(view, "state") == "ACTIVE");
    REQUIRE(view["attempts"].Size() == 2);  // the 503 spent attempt 1; attempt 2 after the restart
    CHECK(json::str(view["attempts"][0], "outcome") == "network_error");
    check_commands_sent_once(partners, b, view);
    CHECK(partners.commands(b.vin)["commands"].Size() == 1);
  }

  // Exactly one charge per activation, none twice, through both kills.
  std::map<std::string, std::size_t> billing;
  REQUIRE(testing::eventually(
      [&] {
        billing = billing_per_key(partners);
        return billing.size() >= first.size() + second.size();
      },
      20s));
  for (const auto& b : first) CHECK(billing[b.id] == 1);
  for (const auto& b : second) CHECK(billing[b.id] == 1);
  CHECK(billing.size() == first.size() + second.size());
}

TEST_CASE("a wiped store replays to the same activations and emits no new billing event", "[e2e]") {
  Partners partners("ota-e2e-replay", 6);
  std::set<std::string> taken;
  const auto ok_vin = partners.deliver("SUV_ELECTRIC_2024", "C1", taken);
  const auto lost_vin = partners.deliver("SUV_ELECTRIC_2024", "C2", taken);
  const auto reject_vin = partners.deliver("SEDAN_ELECTRIC_2024", "C3", taken);
  partners.faults(R"({"vehicles":{")" + lost_vin + R"(":{"lost_ack_probability":1.0},")" + reject_vin +
                  R"(":{"reject_probability":1.0}}})");
  EngineProcess engine(partners);
  wait_known(engine.port(), reject_vin);
  std::vector<Bought> bought;
  bought.push_back({ok_vin, purchase(engine.port(), ok_vin, "PERFORMANCE_BOOST").str("activation_id")});
  bought.push_back({ok_vin, purchase(engine.port(), ok_vin, "SNOW_MODE").str("activation_id")});  // queued behind
  bought.push_back({lost_vin, purchase(engine.port(), lost_vin, "PREMIUM_CLIMATE").str("activation_id")});
  bought.push_back({reject_vin, purchase(engine.port(), reject_vin, "AUTONOMOUS_HIGHWAY").str("activation_id")});
  std::map<std::string, std::string> before;
  for (const auto& b : bought) {
    REQUIRE_FALSE(b.id.empty());
    auto view = wait_terminal(engine.port(), b.id);
    before[b.id] = json::str(view, "state") + "|" + events::to_json(view["attempts"]);
  }
  std::map<std::string, std::size_t> billing;
  REQUIRE(testing::eventually(
      [&] {
        billing = billing_per_key(partners);
        return billing.size() == bought.size();
      },
      20s));
  const auto outcomes_before = topic_events(partners.bootstrap(), kOtaEventsTopic).size();
  const auto tickets_before = topic_events(partners.bootstrap(), kTicketsTopic).size();
  std::size_t commands_before = 0;
  for (const auto& vin : taken) commands_before += partners.commands(vin)["commands"].Size();

  engine.stop();
  engine.wipe();
  engine.start();  // ready = its inputs replayed
  for (const auto& b : bought) {
    auto r = call(engine.port(), "GET", "/api/v1/activations/" + b.id);
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto view = r.json();
    CHECK(json::str(view, "state") + "|" + events::to_json(view["attempts"]) == before[b.id]);
  }
  // Nothing new comes out of the replay: no billing event, no outcome, no ticket, no command.
  const bool changed = testing::eventually(
      [&] {
        std::size_t commands = 0;
        for (const auto& vin : taken) commands += partners.commands(vin)["commands"].Size();
        return billing_per_key(partners) != billing || commands != commands_before;
      },
      3s);
  CHECK_FALSE(changed);
  CHECK(topic_events(partners.bootstrap(), kOtaEventsTopic).size() == outcomes_before);
  CHECK(topic_events(partners.bootstrap(), kTicketsTopic).size() == tickets_before);
  for (const auto& [id, n] : billing) CHECK(n == 1);
}

TEST_CASE("a bad catalogue stops the start with exit code 2", "[e2e]") {
  const auto dir = testing::fresh_dir("ota-e2e-catalogue");
  std::ofstream(dir / "catalogue.json") << "{\n  \"version\": 1,\n  \"retry_policies\": {},\n  \"services\": []\n}\n";
  std::ofstream(dir / "keys") << kOperatorKey << " operator ops-1\n";
  std::ofstream(dir / "token") << kIotToken << "\n";
  testing::ChildProcess proc({CAAS_OTA_BINARY}, {{"CAAS_KAFKA_BOOTSTRAP", "127.0.0.1:1"},
                                                 {"CAAS_DATA_DIR", (dir / "data").string()},
                                                 {"CAAS_SCHEMA_DIR", CAAS_SCHEMA_DIR},
                                                 {"CAAS_HTTP_PORT", "0"},
                                                 {"CAAS_IOT_API_URL", "http://127.0.0.1:1"},
                                                 {"CAAS_IOT_API_TOKEN_FILE", (dir / "token").string()},
                                                 {"CAAS_API_KEYS_FILE", (dir / "keys").string()},
                                                 {"CAAS_OTA_CATALOGUE_FILE", (dir / "catalogue.json").string()}});
  CHECK(proc.wait(20s) == 2);  // stderr names "retry_policies": must be a non-empty object
}
