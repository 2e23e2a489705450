// End to end, real processes (issue 14 acceptance): 200 service activations
// bought by the owners of 100 vehicles of caas-iot-sim, through the real
// caas-ota-engine, caas-webhook-ingress (command-status webhooks),
// caas-telemetry-ingest (vehicle.online/offline/configuration-reported) and
// caas-notification (e-mail, push, the car's display), on loopback against an
// in-process Kafka-protocol broker, with the simulator's whole fault mix on:
// vehicles offline and flapping, rejected configurations, partial
// applications, firmware errors, network interruptions (timeouts, 5xx),
// lost acknowledgements and 429s. caas-ota-engine is SIGKILLed twice while
// activations are being sent and retried.
//
// At the end, compared with the simulator's read-outs (the vehicles' true
// configuration, every command it received):
//   - every activation is ACTIVE or ESCALATED;
//   - the charges requested are exactly the ACTIVE activations, and each of
//     them is really there in the vehicle's configuration; no other charge;
//     every ESCALATED activation has exactly one waiver and a complete
//     diagnostic package on caas.support.tickets.v1;
//   - every activation has its command history, and no attempt's command
//     reached the simulator twice (kill -9 included);
//   - an activation whose acknowledgements are all lost is confirmed by the
//     status query with one command;
//   - the customers were told (push per outcome, the car's display per success);
//   - a wiped ota-engine store replays to the same activations, emits no new
//     billing event and sends no command.
// Every wait is bounded; the whole test takes well under 3 minutes
// (CAAS_OTA_RETRY_SCALE shrinks the catalogue's intervals and timeouts).
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caas/devbroker/testing.hpp>

#include "event_factory.hpp"
#include "eventually.hpp"
#include "flow_helpers.hpp"
#include "platform.hpp"

using namespace caas::e2e;
using namespace std::chrono_literals;
using Proc = Platform::Proc;

namespace {

constexpr int kVehicles = 100;
constexpr int kPerVehicle = 2;  // 200 activations
constexpr const char* kBillingTopic = "caas.billing.events.v1";
constexpr const char* kTicketsTopic = "caas.support.tickets.v1";
// Vehicles 2..4 are off the network when the purchases arrive.
constexpr int kOfflineFrom = 2, kOfflineTo = 5;

PlatformOptions ota_options() {
  PlatformOptions o;
  o.with_notification = true;
  o.iot_sim_args = {"--vehicles",
                    std::to_string(kVehicles),
                    "--seed",
                    "14",
                    "--telemetry-interval",
                    "1s",
                    "--batch-size",
                    "100",
                    "--apply-delay",
                    "100ms",  // the vehicle round trip
                    "--command-ttl",
                    "20s",  // a held command outlives the offline periods below
                    "--hold",
                    "2s",  // an interrupted request: longer than the engine's timeout
                    "--retry-base",
                    "50ms",
                    "--webhook-timeout",
                    "2s"};
  o.telemetry_env = {{"CAAS_TELEMETRY_OFFLINE_TIMEOUT", "3s"},
                     {"CAAS_TELEMETRY_OFFLINE_GRACE", "300ms"},
                     {"CAAS_TELEMETRY_OFFLINE_CHECK_INTERVAL", "100ms"}};
  o.ota_env = {{"CAAS_OTA_RETRY_SCALE", "0.03"},  // 30 s interval -> 0.9 s, 10 s timeout -> 0.3 s
               {"CAAS_OTA_TIMER_INTERVAL_MS", "50"},
               {"CAAS_OTA_IOT_TIMEOUT", "1s"},
               {"CAAS_OTA_IOT_WORKERS", "8"},
               // Our own polling must not be throttled; the 429s under test are the API IoT's.
               {"CAAS_OTA_RATE_LIMIT_PER_VEHICLE", "0"},
               {"CAAS_OTA_RATE_LIMIT_PER_CUSTOMER", "0"}};
  o.notification_env = {{"CAAS_NOTIFICATION_RETRY_INITIAL", "100ms"},
                        {"CAAS_NOTIFICATION_RETRY_MAX", "500ms"},
                        {"CAAS_NOTIFICATION_MAX_ATTEMPTS", "100"},
                        {"CAAS_IOT_TIMEOUT", "1s"}};
  return o;
}

// The simulator's fault mix (README "Faults"): every failure scenario of seed 004.
const std::string kFleetFaults =
    R"({"reject_probability":0.04,"partial_probability":0.05,"firmware_error_probability":0.02,)"
    R"("lost_ack_probability":0.08,"offline_flap_probability":0.004,"offline_flap_ms":1500})";
const std::string kApiFaults = R"({"timeout_probability":0.03,"error_probability":0.04,"error_statuses":[502,503,429],)"
                               R"("rate_limit_rps":150,"rate_limit_burst":30})";

/// A purchase or deactivation as a client sends it: while the engine answers
/// 503 (it could not read the vehicle from the API IoT, which the fault mix
/// interrupts) or 429, sent again with the same Idempotency-Key after a short
/// client backoff, a bounded number of times.
JsonResponse post_retrying(const Api& api, const std::string& path, const std::string& body,
                           const std::map<std::string, std::string>& headers) {
  JsonResponse r;
  for (int attempt = 0; attempt < 50; ++attempt) {
    r = api.call("POST", path, body, headers);
    if (r.status != 503 && r.status != 429) break;
    std::this_thread::sleep_for(200ms);  // the client's backoff, not a synchronisation
  }
  return r;
}

std::string customer_of(int vehicle) {
  return "CUST-OTA-" + std::to_string(1000 + vehicle);
}

struct Vehicle {
  std::string vin;
  std::string platform;
  std::string customer;
};

struct Service {
  std::string code;
  std::map<std::string, std::string> activation;  // parameter -> value as JSON text
};

struct Purchase {
  int vehicle = 0;
  std::string code;
  std::string idempotency_key;
  std::string body;
  std::string activation_id;
};

std::string json_text(const rapidjson::Value& v) {
  return to_string(v);
}

/// Values compared as the vehicle reports them: numbers by value (4 == 4.0).
bool same_value(const rapidjson::Value& a, const std::string& b_text) {
  rapidjson::Document b;
  b.Parse(b_text.c_str(), b_text.size());
  if (b.HasParseError()) return false;
  if (a.IsNumber() && b.IsNumber()) return a.GetDouble() == b.GetDouble();
  return a == b;
}

std::map<std::string, std::vector<Service>> catalogue_by_platform(const Api& ota, const std::set<std::string>& names) {
  std::map<std::string, std::vector<Service>> out;
  for (const auto& platform : names) {
    auto r = ota.get("/api/v1/catalogue?platform=" + platform);
    INFO(platform << " " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    for (const auto& s : r.json["services"].GetArray()) {
      Service svc;
      svc.code = s["code"].GetString();
      REQUIRE(s.HasMember("parameters"));
      for (const auto& p : s["parameters"]["activation"].GetObject()) {
        svc.activation[p.name.GetString()] = json_text(p.value);
      }
      REQUIRE_FALSE(svc.activation.empty());
      out[platform].push_back(std::move(svc));
    }
  }
  return out;
}

/// Two services of the platform whose parameters do not overlap, so both can
/// be true at once in the vehicle's configuration.
std::vector<const Service*> two_disjoint(const std::vector<Service>& services, int offset) {
  const auto n = services.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& a = services[(i + static_cast<std::size_t>(offset)) % n];
    for (std::size_t j = 1; j < n; ++j) {
      const auto& b = services[(i + j + static_cast<std::size_t>(offset)) % n];
      bool overlap = false;
      for (const auto& [k, v] : a.activation) overlap = overlap || b.activation.count(k) != 0;
      if (!overlap) return {&a, &b};
    }
  }
  return {};
}

/// Distinct events of a topic by event id (the outbox relay may produce an
/// entry again after a crash: consumers dedup by id), by type.
struct TopicEvents {
  std::size_t records = 0;
  std::map<std::string, rapidjson::Document> by_id;  // ce_id -> data
  std::map<std::string, std::string> type_of;        // ce_id -> ce_type
};

TopicEvents read_events(const Platform& platform, const std::string& topic) {
  TopicEvents out;
  for (const auto& r : caas::devbroker::testing::consume_all(platform.bootstrap(), topic, 10s)) {
    ++out.records;
    rapidjson::Document env;
    env.Parse(r.value.data(), r.value.size());
    REQUIRE_FALSE(env.HasParseError());
    const std::string id = env["id"].GetString();
    out.type_of[id] = env["type"].GetString();
    rapidjson::Document data;
    data.CopyFrom(env["data"], data.GetAllocator());
    out.by_id[id] = std::move(data);
  }
  return out;
}

/// How much of a topic the local broker holds: it keeps only the newest
/// 5 MiB per partition, and a replay test is only one if the log is whole.
struct Footprint {
  std::size_t records = 0;
  std::size_t largest_partition_bytes = 0;
  bool truncated = false;  // a partition no longer starts at offset 0
  std::string text() const {
    return std::to_string(records) + " records, largest partition " + std::to_string(largest_partition_bytes / 1024) +
           " KiB" + (truncated ? ", TRUNCATED" : "");
  }
};

Footprint footprint(const Platform& platform, const std::string& topic) {
  Footprint f;
  std::map<std::int32_t, std::size_t> bytes;
  std::map<std::int32_t, std::int64_t> first;
  for (const auto& r : caas::devbroker::testing::consume_all(platform.bootstrap(), topic, 10s)) {
    ++f.records;
    bytes[r.partition] += r.key.size() + r.value.size();
    if (first.count(r.partition) == 0 || r.offset < first[r.partition]) first[r.partition] = r.offset;
  }
  for (const auto& [p, b] : bytes) f.largest_partition_bytes = std::max(f.largest_partition_bytes, b);
  for (const auto& [p, o] : first) f.truncated = f.truncated || o > 0;
  return f;
}

struct Snapshot {
  std::string state;
  std::vector<std::string> command_ids;
};

Snapshot snapshot(const Api& ota, const std::string& activation_id) {
  auto r = ota.get("/api/v1/activations/" + activation_id);
  INFO(activation_id << " " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  Snapshot s;
  s.state = r.str("state");
  for (const auto& a : r.json["attempts"].GetArray()) {
    if (a.HasMember("command_id") && a["command_id"].IsString())
      s.command_ids.emplace_back(a["command_id"].GetString());
  }
  return s;
}

bool terminal(const std::string& state) {
  return state == "ACTIVE" || state == "ESCALATED";
}

/// Waits until at least `n` activations are terminal; the terminal ones are
/// not asked again (they do not change).
void wait_terminal(const Api& ota, const std::vector<Purchase>& purchases, std::map<std::string, std::string>& done,
                   std::size_t n, std::chrono::milliseconds timeout) {
  const bool ok = caas::testing::eventually(
      [&] {
        for (const auto& p : purchases) {
          if (done.count(p.activation_id) != 0) continue;
          auto r = ota.get("/api/v1/activations/" + p.activation_id);
          if (r.status == 200 && terminal(r.str("state"))) done[p.activation_id] = r.str("state");
        }
        return done.size() >= n;
      },
      timeout);
  if (!ok) {
    std::string stuck;
    for (const auto& p : purchases) {
      if (done.count(p.activation_id) == 0) stuck += p.activation_id + "=" + snapshot(ota, p.activation_id).state + " ";
    }
    FAIL(done.size() << " of " << purchases.size() << " terminal, wanted " << n << "; not terminal: " << stuck);
  }
}

void restart_ota(Platform& platform) {
  platform.start(Proc::ota);
  REQUIRE(platform.wait_ready(Proc::ota, 60s));
}

}  // namespace

TEST_CASE("200 activations under every fault, two kill -9 and a wiped store: charged exactly when delivered",
          "[e2e][ota]") {
  Phases phase;
  Platform platform(ota_options());
  platform.start_vehicle_flow();  // ingress, telemetry-ingest, caas-iot-sim
  platform.start(Proc::ota);
  platform.start(Proc::notification);
  REQUIRE(platform.wait_ready(Proc::ota, 60s));
  REQUIRE(platform.wait_ready(Proc::notification, 60s));
  const auto sim = platform.iot_sim();
  const auto ota = platform.ota_api();            // operator key: reads
  const Api customer_api = platform.ota_api("");  // no key: customers act with their bearer tokens
  phase("platform up");

  // The fleet, delivered: order.delivered links each VIN to its customer.
  std::vector<Vehicle> fleet;
  {
    auto r = sim.get("/control/vehicles");
    REQUIRE(r.status == 200);
    int i = 0;
    for (const auto& v : r.json["vehicles"].GetArray()) {
      fleet.push_back({v["vin"].GetString(), v["platform"].GetString(), customer_of(i++)});
    }
  }
  REQUIRE(fleet.size() == static_cast<std::size_t>(kVehicles));
  std::vector<caas::kafka::Record> deliveries;
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    const auto order_id = "ord-ota-" + std::to_string(i);
    deliveries.push_back(caas::testing::event_record("caas.order.events.v1", order_id, "order.delivered",
                                                     R"({"order_id":")" + order_id + R"(","order_number":"ORD-2026-0)" +
                                                         std::to_string(7000000 + i) + R"(","customer_id":")" +
                                                         fleet[i].customer + R"(","vin":")" + fleet[i].vin +
                                                         R"(","delivered_at":"2026-12-01T10:00:00.000Z"})"));
  }
  caas::devbroker::testing::produce_all(platform.bootstrap(), deliveries);
  REQUIRE(caas::testing::eventually(
      [&] {
        for (const auto& v : fleet) {
          if (ota.get("/api/v1/vehicles/" + v.vin + "/services").status != 200) return false;
        }
        return true;
      },
      30s));
  phase("100 vehicles delivered to their customers");

  std::set<std::string> platforms;
  for (const auto& v : fleet) platforms.insert(v.platform);
  const auto catalogue = catalogue_by_platform(ota, platforms);
  std::vector<Purchase> purchases;
  std::map<std::string, const Service*> service_of;  // activation id -> service (filled below)
  std::vector<std::pair<int, const Service*>> chosen;
  for (int i = 0; i < kVehicles; ++i) {
    const auto& v = fleet[static_cast<std::size_t>(i)];
    auto two = two_disjoint(catalogue.at(v.platform), i);
    INFO(v.platform);
    REQUIRE(two.size() == static_cast<std::size_t>(kPerVehicle));
    for (int k = 0; k < kPerVehicle; ++k) {
      Purchase p;
      p.vehicle = i;
      p.code = two[static_cast<std::size_t>(k)]->code;
      p.idempotency_key = "buy-" + v.vin + "-" + p.code;
      p.body = R"({"payment_authorization":"PAY-)" + std::to_string(i) + "-" + std::to_string(k) + R"("})";
      purchases.push_back(p);
      chosen.emplace_back(i, two[static_cast<std::size_t>(k)]);
    }
  }

  // The fault mix, on before the first command.
  std::string vehicles_faults;
  for (int i = kOfflineFrom; i < kOfflineTo; ++i) {
    vehicles_faults += std::string(vehicles_faults.empty() ? "" : ",") + "\"" + fleet[static_cast<std::size_t>(i)].vin +
                       R"(":{"offline":true})";
  }
  {
    auto fault_plan = sim.post("/control/faults", R"({"fleet":)" + kFleetFaults + R"(,"api":)" + kApiFaults +
                                                      R"(,"vehicles":{)" + vehicles_faults + "}}");
    INFO(fault_plan.body);
    REQUIRE(fault_plan.status == 200);
  }

  // 200 purchases by the owners, concurrently.
  std::vector<JsonResponse> answers(purchases.size());
  parallel_for(static_cast<int>(purchases.size()), [&](int n) {
    const auto& p = purchases[static_cast<std::size_t>(n)];
    const auto& v = fleet[static_cast<std::size_t>(p.vehicle)];
    answers[static_cast<std::size_t>(n)] =
        post_retrying(Api(ota.port(), ""), "/api/v1/vehicles/" + v.vin + "/services/" + p.code + "/activation", p.body,
                      {{"Authorization", customer_bearer(v.customer)}, {"Idempotency-Key", p.idempotency_key}});
  });
  for (std::size_t n = 0; n < purchases.size(); ++n) {
    INFO("purchase " << n << ": " << answers[n].status << " " << answers[n].body << " " << answers[n].error);
    REQUIRE(answers[n].status == 202);
    REQUIRE(answers[n].str("state") == "REQUESTED");
    purchases[n].activation_id = answers[n].str("activation_id");
    REQUIRE_FALSE(purchases[n].activation_id.empty());
    service_of[purchases[n].activation_id] = chosen[n].second;
  }
  {
    // A retried purchase is the same activation; another customer is refused.
    const auto& p = purchases[0];
    const auto& v = fleet[0];
    auto again =
        post_retrying(customer_api, "/api/v1/vehicles/" + v.vin + "/services/" + p.code + "/activation", p.body,
                      {{"Authorization", customer_bearer(v.customer)}, {"Idempotency-Key", p.idempotency_key}});
    INFO(again.body);
    CHECK(again.status == 202);
    CHECK(again.str("activation_id") == p.activation_id);
    auto stranger =
        post_retrying(customer_api, "/api/v1/vehicles/" + v.vin + "/services/" + p.code + "/activation", p.body,
                      {{"Authorization", customer_bearer(customer_of(99))}, {"Idempotency-Key", "x1"}});
    INFO(stranger.body);
    CHECK(stranger.status == 403);
  }
  phase("200 purchases accepted");

  // kill -9 while commands are being sent and retried; the offline vehicles
  // come back meanwhile.
  std::map<std::string, std::string> done;
  platform.kill_hard(Proc::ota);
  restart_ota(platform);
  phase("ota-engine killed (-9) and restarted while sending");
  std::string back_online;
  for (int i = kOfflineFrom; i < kOfflineTo; ++i) {
    back_online += std::string(back_online.empty() ? "" : ",") + "\"" + fleet[static_cast<std::size_t>(i)].vin +
                   R"(":{"offline":false})";
  }
  REQUIRE(sim.post("/control/faults", R"({"vehicles":{)" + back_online + "}}").status == 200);
  wait_terminal(ota, purchases, done, purchases.size() / 2, 90s);
  platform.kill_hard(Proc::ota);
  restart_ota(platform);
  phase("ota-engine killed (-9) again with " + std::to_string(done.size()) + " activations terminal");
  wait_terminal(ota, purchases, done, purchases.size(), 120s);
  phase("every activation terminal");
  REQUIRE(sim.post("/control/faults",
                   R"({"fleet":{"reject_probability":0,"partial_probability":0,"firmware_error_probability":0,)"
                   R"("lost_ack_probability":0,"offline_flap_probability":0},)"
                   R"("api":{"timeout_probability":0,"error_probability":0,"rate_limit_rps":0}})")
              .status == 200);

  // --- the truth, from the simulator ---
  std::map<std::string, rapidjson::Document> configuration;  // vin -> configuration
  {
    auto r = sim.get("/control/vehicles");
    REQUIRE(r.status == 200);
    for (const auto& v : r.json["vehicles"].GetArray()) {
      rapidjson::Document c;
      c.CopyFrom(v["configuration"], c.GetAllocator());
      configuration[v["vin"].GetString()] = std::move(c);
    }
  }
  struct SimCommand {
    std::string vin;
    std::int64_t repeated = 0;
    bool acks_lost = false;
  };
  auto read_sim_commands = [&] {
    std::map<std::string, SimCommand> out;  // command id -> command
    auto r = sim.get("/control/commands");
    REQUIRE(r.status == 200);
    for (const auto& c : r.json["commands"].GetArray()) {
      const std::string id = c["command_id"].GetString();
      INFO("command id " << id << " twice in the simulator's log");
      REQUIRE(out.count(id) == 0);
      out[id] = {c["vin"].GetString(), c["repeated_requests"].GetInt64(), c["acks_lost"].GetBool()};
    }
    return out;
  };
  const auto sim_commands = read_sim_commands();

  // --- every activation: terminal, its command history, each command once ---
  std::map<std::string, Snapshot> final_state;
  std::set<std::string> active, escalated;
  std::map<std::string, std::string> command_owner;  // command id -> activation id
  for (const auto& p : purchases) {
    const auto& v = fleet[static_cast<std::size_t>(p.vehicle)];
    auto s = snapshot(ota, p.activation_id);
    INFO(p.activation_id << " on " << v.vin);
    REQUIRE(terminal(s.state));
    (s.state == "ACTIVE" ? active : escalated).insert(p.activation_id);
    final_state[p.activation_id] = s;
  }
  for (const auto& v : fleet) {
    auto r = ota.get("/api/v1/vehicles/" + v.vin + "/commands");
    INFO(v.vin << " " << r.status);
    REQUIRE(r.status == 200);
    for (const auto& c : r.json["commands"].GetArray()) {
      const std::string id = c["command_id"].GetString();
      INFO("command " << id << " twice in the history");
      REQUIRE(command_owner.count(id) == 0);
      command_owner[id] = c["activation_id"].GetString();
      CHECK(c.HasMember("sent_at"));
      CHECK(c.HasMember("parameters"));
    }
  }
  std::map<std::string, int> sim_commands_of;  // activation id -> commands the vehicle got
  for (const auto& [id, c] : sim_commands) {
    INFO("the simulator got command " << id << " which no activation's history has");
    REQUIRE(command_owner.count(id) == 1);
    INFO("command " << id << " reached the vehicle more than once");
    CHECK(c.repeated == 0);
    ++sim_commands_of[command_owner[id]];
  }
  for (const auto& p : purchases) {
    INFO(p.activation_id << ": an activation without its audit trail");
    bool has_history = false;
    for (const auto& [cmd, owner] : command_owner) has_history = has_history || owner == p.activation_id;
    CHECK(has_history);
    CHECK_FALSE(final_state[p.activation_id].command_ids.empty());
  }

  // --- billing: charged exactly when delivered ---
  // The outbox relay produces after the state is visible in the API: wait
  // (bounded) until every activation has its billing event, then judge.
  TopicEvents billing;
  caas::testing::eventually(
      [&] {
        billing = read_events(platform, kBillingTopic);
        return billing.by_id.size() >= purchases.size();
      },
      30s);
  std::map<std::string, int> charged, waived;
  for (const auto& [id, data] : billing.by_id) {
    const std::string activation = data["activation_id"].GetString();
    if (billing.type_of.at(id) == "billing.charge-requested") ++charged[activation];
    if (billing.type_of.at(id) == "billing.charge-waived") ++waived[activation];
  }
  std::size_t verified_active = 0;
  for (const auto& p : purchases) {
    const auto& v = fleet[static_cast<std::size_t>(p.vehicle)];
    INFO(p.activation_id << " " << p.code << " on " << v.vin << " is " << final_state[p.activation_id].state);
    if (active.count(p.activation_id) != 0) {
      bool matches = true;
      for (const auto& [param, value] : service_of[p.activation_id]->activation) {
        const auto& config = configuration.at(v.vin);
        matches = matches && config.HasMember(param.c_str()) && same_value(config[param.c_str()], value);
      }
      INFO("ACTIVE but the vehicle's configuration is " << json_text(configuration.at(v.vin)));
      CHECK(matches);
      verified_active += matches ? 1 : 0;
      CHECK(charged[p.activation_id] == 1);
      CHECK(waived[p.activation_id] == 0);
    } else {
      CHECK(charged[p.activation_id] == 0);  // never charged for what did not activate
      CHECK(waived[p.activation_id] == 1);
    }
  }
  std::size_t charges = 0;
  for (const auto& [a, n] : charged) charges += static_cast<std::size_t>(n);
  CHECK(charges == verified_active);
  CHECK(charges == active.size());
  phase(std::to_string(active.size()) + " ACTIVE (charged), " + std::to_string(escalated.size()) +
        " ESCALATED (waived); simulator got " + std::to_string(sim_commands.size()) + " commands");
  CHECK(active.size() + escalated.size() == purchases.size());
  CHECK_FALSE(escalated.empty());  // the fault mix really bit
  CHECK(active.size() > purchases.size() / 2);

  // --- every escalation: a complete diagnostic package ---
  TopicEvents tickets;
  caas::testing::eventually(
      [&] {
        tickets = read_events(platform, kTicketsTopic);
        std::size_t found = 0;
        for (const auto& [id, data] : tickets.by_id) {
          found += data.HasMember("activation_id") && escalated.count(data["activation_id"].GetString()) != 0;
        }
        return found >= escalated.size();
      },
      30s);
  std::map<std::string, const rapidjson::Value*> ticket_of;
  for (const auto& [id, data] : tickets.by_id) {
    if (data.HasMember("activation_id")) ticket_of[data["activation_id"].GetString()] = &data;
  }
  for (const auto& a : escalated) {
    INFO("escalated " << a);
    REQUIRE(ticket_of.count(a) == 1);
    const auto& t = *ticket_of[a];
    CHECK(std::string(t["category"].GetString()) == "ota-escalation");
    CHECK(t.HasMember("vin"));
    CHECK(t.HasMember("customer_id"));
    REQUIRE(t.HasMember("context"));
    const auto& ctx = t["context"];
    INFO(json_text(ctx));
    for (const char* member : {"service", "attempts", "vehicle_status", "last_telemetry", "connectivity"}) {
      INFO(member);
      CHECK(ctx.HasMember(member));
    }
    REQUIRE(ctx.HasMember("attempts"));
    REQUIRE(ctx["attempts"].IsArray());
    CHECK(ctx["attempts"].Size() >= 1);
    for (const auto& att : ctx["attempts"].GetArray()) {
      CHECK(att.HasMember("sent_at"));
      CHECK(att.HasMember("error_code"));
      CHECK(att.HasMember("command_id"));
    }
  }
  for (const auto& a : active) CHECK(ticket_of.count(a) == 0);

  // --- the customers were told ---
  std::size_t pushes_expected = purchases.size();
  REQUIRE(caas::testing::eventually([&] { return platform.push().messages().size() >= pushes_expected; }, 60s));
  std::map<std::string, std::size_t> push_types;
  for (const auto& m : platform.push().messages()) ++push_types[m.type];
  CHECK(push_types["service_activated"] == active.size());
  CHECK(push_types["service_activation_failed"] == escalated.size());
  CHECK(platform.push().duplicates() == 0);
  // The car's display: the welcome of each delivery, then one message per success.
  auto display_counts = [&] {
    std::pair<std::size_t, std::size_t> welcome_and_other{0, 0};
    auto r = sim.get("/control/display-messages");
    if (r.status != 200) return welcome_and_other;
    for (const auto& m : r.json["messages"].GetArray()) {
      const std::string text = m["text"].GetString();
      (text.rfind("Bienvenido", 0) == 0 ? welcome_and_other.first : welcome_and_other.second) += 1;
    }
    return welcome_and_other;
  };
  REQUIRE(caas::testing::eventually([&] { return display_counts().second >= active.size(); }, 60s));
  CHECK(display_counts().second == active.size());
  CHECK(display_counts().first == static_cast<std::size_t>(kVehicles));
  phase("customers told: push per outcome, the car's display per success");

  // --- a lost acknowledgement: confirmed by the status query, one command ---
  // Every fault is off now but lost acknowledgements, on the vehicles of two
  // escalated activations (preferably rejected or firmware errors, which
  // changed nothing), whose customers buy the service again.
  std::vector<Purchase> rebuys;
  for (bool any_reason : {false, true}) {
    for (const auto& a : escalated) {
      const auto& p =
          *std::find_if(purchases.begin(), purchases.end(), [&](const Purchase& q) { return q.activation_id == a; });
      const auto reason = ota.get("/api/v1/activations/" + a).str("reason");
      const bool untouched = reason == "REJECTED" || reason == "FIRMWARE_ERROR";
      const bool taken =
          std::any_of(rebuys.begin(), rebuys.end(), [&](const Purchase& r) { return r.vehicle == p.vehicle; });
      if (rebuys.size() < 2 && !taken && (untouched || any_reason)) rebuys.push_back(p);
    }
  }
  REQUIRE_FALSE(rebuys.empty());
  std::string lost_acks;
  for (const auto& r : rebuys) {
    lost_acks += std::string(lost_acks.empty() ? "" : ",") + "\"" + fleet[static_cast<std::size_t>(r.vehicle)].vin +
                 R"(":{"lost_ack_probability":1.0})";
  }
  REQUIRE(sim.post("/control/faults", R"({"vehicles":{)" + lost_acks + "}}").status == 200);
  for (auto& r : rebuys) {
    const auto& v = fleet[static_cast<std::size_t>(r.vehicle)];
    r.idempotency_key += "-again";
    auto answer =
        post_retrying(customer_api, "/api/v1/vehicles/" + v.vin + "/services/" + r.code + "/activation",
                      R"({"payment_authorization":"PAY-AGAIN-)" + std::to_string(r.vehicle) + R"("})",
                      {{"Authorization", customer_bearer(v.customer)}, {"Idempotency-Key", r.idempotency_key}});
    INFO(answer.body);
    REQUIRE(answer.status == 202);
    r.activation_id = answer.str("activation_id");
  }
  for (const auto& r : rebuys) {
    INFO("bought again with every acknowledgement lost: " << r.activation_id);
    REQUIRE(caas::testing::eventually(
        [&] { return terminal(ota.get("/api/v1/activations/" + r.activation_id).str("state")); }, 60s));
    auto act = ota.get("/api/v1/activations/" + r.activation_id);
    INFO(act.body);
    CHECK(act.str("state") == "ACTIVE");
    CHECK(act.str("confirmed_by") == "status-query");
    std::size_t reached = 0;
    for (const auto& [id, c] : read_sim_commands()) {
      if (c.vin != fleet[static_cast<std::size_t>(r.vehicle)].vin || sim_commands.count(id) != 0) continue;
      ++reached;
      CHECK(c.acks_lost);
    }
    CHECK(reached == 1);  // one command: the status query proved it, nothing was resent
  }
  {
    const auto billing_now = read_events(platform, kBillingTopic);
    for (const auto& r : rebuys) {
      int charges_of = 0;
      for (const auto& [id, data] : billing_now.by_id) {
        if (billing_now.type_of.at(id) == "billing.charge-requested" &&
            data["activation_id"].GetString() == r.activation_id) {
          ++charges_of;
        }
      }
      INFO(r.activation_id);
      CHECK(charges_of == 1);
    }
  }
  std::string restore;
  for (const auto& r : rebuys) {
    restore +=
        std::string(restore.empty() ? "" : ",") + "\"" + fleet[static_cast<std::size_t>(r.vehicle)].vin + "\":null";
  }
  REQUIRE(sim.post("/control/faults", R"({"vehicles":{)" + restore + "}}").status == 200);
  phase(std::to_string(rebuys.size()) + " lost acknowledgements confirmed by the status query, one command each");

  // --- a wiped store replays to the same activations, no billing, no command ---
  std::map<std::string, Snapshot> before_replay;
  for (const auto& p : purchases) before_replay[p.activation_id] = snapshot(ota, p.activation_id);
  for (const auto& r : rebuys) before_replay[r.activation_id] = snapshot(ota, r.activation_id);
  for (const auto& p : purchases) {
    INFO(p.activation_id << ": changed by the time the run ended");
    CHECK(before_replay[p.activation_id].command_ids == final_state[p.activation_id].command_ids);
  }
  platform.stop(Proc::ota);
  // The replay reads these from their beginning: they must still be whole.
  for (const char* topic : {"caas.ota.commands.v1", "caas.ingress.iot-command-status.v1", "caas.vehicle.events.v1",
                            "caas.order.events.v1", kBillingTopic}) {
    const auto f = footprint(platform, topic);
    phase(std::string(topic) + ": " + f.text());
    INFO(topic << " lost its oldest records to the broker's 5 MiB per partition");
    REQUIRE_FALSE(f.truncated);
  }
  const auto billing_before = read_events(platform, kBillingTopic);
  const auto sim_before_replay = read_sim_commands();
  platform.wipe_store(Proc::ota);
  restart_ota(platform);
  phase("ota-engine store wiped, restarted and ready");
  // The replay arrives at the same state: every activation where it was,
  // with the same attempts (bounded wait: ready means caught up, give the
  // last records a moment).
  std::map<std::string, std::string> differing;
  const bool converged = caas::testing::eventually(
      [&] {
        differing.clear();
        for (const auto& [id, before] : before_replay) {
          auto r = ota.get("/api/v1/activations/" + id);
          if (r.str("state") != before.state) differing[id] = r.str("state") + " (was " + before.state + ")";
        }
        return differing.empty();
      },
      30s);
  if (!converged) {
    std::string report;
    for (const auto& [id, what] : differing) report += id + " " + what + "; ";
    FAIL_CHECK(differing.size() << " activations differ after the replay: " << report);
  }
  phase(converged ? "replay converged" : "replay did NOT converge");
  for (const auto& [id, before] : before_replay) {
    auto s = snapshot(ota, id);
    INFO(id);
    CHECK(s.state == before.state);
    CHECK(s.command_ids == before.command_ids);
  }
  // A marker after the replay: a deactivation of an active service. The
  // relay produces its outbox in order, so once the marker's billing event
  // is on the topic, anything the replay would have emitted is too.
  const auto marker = *active.begin();
  const auto marker_purchase =
      *std::find_if(purchases.begin(), purchases.end(), [&](const Purchase& p) { return p.activation_id == marker; });
  const auto& marker_vehicle = fleet[static_cast<std::size_t>(marker_purchase.vehicle)];
  auto deactivation = post_retrying(
      customer_api, "/api/v1/vehicles/" + marker_vehicle.vin + "/services/" + marker_purchase.code + "/deactivation",
      "{}", {{"Authorization", customer_bearer(marker_vehicle.customer)}, {"Idempotency-Key", "stop-" + marker}});
  INFO(deactivation.body);
  REQUIRE(deactivation.status == 202);
  const auto deactivation_id = deactivation.str("activation_id");
  REQUIRE(caas::testing::eventually(
      [&] { return ota.get("/api/v1/activations/" + deactivation_id).str("state") == "DEACTIVATED"; }, 30s));
  TopicEvents billing_after;
  REQUIRE(caas::testing::eventually(
      [&] {
        billing_after = read_events(platform, kBillingTopic);
        return billing_after.by_id.size() > billing_before.by_id.size();
      },
      30s));
  std::vector<std::string> new_billing;
  for (const auto& [id, type] : billing_after.type_of) {
    if (billing_before.type_of.count(id) == 0) new_billing.push_back(type);
  }
  CHECK(new_billing == std::vector<std::string>{"billing.charge-stopped"});  // only the marker's
  CHECK(billing_after.records == billing_before.records + 1);                // nothing produced again either
  const auto sim_after = read_sim_commands();
  // Every command the vehicles got since the replay is the marker's: the
  // replay itself sent nothing.
  std::string sent_since;
  for (const auto& [id, c] : sim_after) {
    if (sim_before_replay.count(id) == 0 && id.rfind(deactivation_id, 0) != 0) sent_since += id + " (" + c.vin + ") ";
  }
  INFO("commands sent after the replay that are not the marker's: " << sent_since);
  CHECK(sent_since.empty());
  std::size_t marker_commands = 0;
  for (const auto& [id, c] : sim_after) marker_commands += id.rfind(deactivation_id, 0) == 0 ? 1 : 0;
  CHECK(marker_commands == snapshot(ota, deactivation_id).command_ids.size());
  REQUIRE(caas::testing::eventually(
      [&] {
        for (const auto& m : platform.push().messages(marker_vehicle.customer)) {
          if (m.type == "service_deactivated") return true;
        }
        return false;
      },
      30s));
  phase("replay checked (billing, commands); the deactivation confirmed and told");
}
