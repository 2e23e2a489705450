#include "app/telemetry_service.hpp"

#include "domain/vehicle_events.hpp"

#include <caas/kafka/topics.hpp>
#include <caas/security/secrets.hpp>

namespace caas::telemetry {

namespace obs = caas::observability;
using namespace std::chrono_literals;

namespace {

/// "PLATFORM=duration,PLATFORM=duration" (CAAS_TELEMETRY_OFFLINE_TIMEOUT_BY_PLATFORM).
std::map<std::string, std::chrono::milliseconds> platform_timeouts(obs::EnvConfig& env) {
  constexpr const char* kName = "CAAS_TELEMETRY_OFFLINE_TIMEOUT_BY_PLATFORM";
  std::map<std::string, std::chrono::milliseconds> out;
  const auto text = env.string(kName, "");
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const auto item = text.substr(start, end - start);
    const auto eq = item.find('=');
    auto d = eq == std::string::npos ? std::nullopt : obs::parse_duration_ms(item.substr(eq + 1));
    if (eq == 0 || !d || *d < 1s) {
      env.add_error(std::string(kName) + ": '" + item + "' is not PLATFORM=duration (at least 1s)");
    } else {
      out[item.substr(0, eq)] = *d;
    }
    start = end + 1;
  }
  return out;
}

/// The service's handlers over a shadow store (replay verification): the
/// same three processors, and the offline sweep the live sweeper has made by
/// now, by the live partition clocks and for the partitions served here.
struct Shadow {
  Shadow(store::StateStore& shadow, obs::Metrics& metrics, const TelemetrySettings& s,
         const service::EventEmitter& emitter, const PartitionOwners& owners, const PartitionClock& live_clock,
         const obs::Logger& log)
      : store(shadow, s.policy.dedup_window),
        probe(metrics),
        readings(store, s.policy, s.limits, emitter, probe, guard, clock, log),
        ownership(store, log),
        fleet(store, probe),
        sweeper(store, s.policy, s.limits, emitter, guard, owners, live_clock, probe, log, s.sweeper,
                [] { return true; }) {}
  TelemetryStore store;
  Probe probe;
  VehicleGuard guard;
  PartitionClock clock;
  ReadingHandler readings;
  OwnershipHandler ownership;
  FleetHandler fleet;
  DeadlineSweeper sweeper;  // never started: one sweep after the replay
};

}  // namespace

std::vector<std::string> replayed_key_prefixes() {
  return {"v/", "tl/", "cx/", std::string(keys::kDeadlinePrefix), "own/", "fl/", std::string(keys::kFleetCounters)};
}

TelemetrySettings load_telemetry_settings(obs::EnvConfig& env) {
  TelemetrySettings s;
  s.policy.offline_timeout = env.duration_ms("CAAS_TELEMETRY_OFFLINE_TIMEOUT", 5min, 1s, 24h * 7);
  s.policy.platform_timeouts = platform_timeouts(env);
  s.policy.dedup_window = static_cast<std::uint32_t>(env.integer("CAAS_TELEMETRY_DEDUP_WINDOW", 1024, 64, 65536));
  s.limits.timeline_max = static_cast<std::uint64_t>(env.integer("CAAS_TELEMETRY_TIMELINE_MAX", 1000, 1, 1'000'000));
  s.limits.intervals_max =
      static_cast<std::uint64_t>(env.integer("CAAS_TELEMETRY_CONNECTIVITY_MAX", 500, 2, 1'000'000));
  s.sweeper.grace = env.duration_ms("CAAS_TELEMETRY_OFFLINE_GRACE", 2s, 0ms, 1h);
  s.sweeper.interval = env.duration_ms("CAAS_TELEMETRY_OFFLINE_CHECK_INTERVAL", 1s, 10ms, 1h);
  s.ownership_interval = env.duration_ms("CAAS_TELEMETRY_OWNERSHIP_CHECK_INTERVAL", 1s, 10ms, 1h);
  s.api_keys_file = env.required_string("CAAS_API_KEYS_FILE");
  s.token_secret_file = env.string("CAAS_TOKEN_SECRET_FILE", "");
  s.verify_timeout = env.duration_ms("CAAS_VERIFY_REPLAY_TIMEOUT", 5min, 1s, 24h);
  return s;
}

TelemetryService::TelemetryService(events::Clock clock) : clock_(std::move(clock)) {}

TelemetryService::~TelemetryService() {
  stop();
}

void TelemetryService::load_config(obs::EnvConfig& env) {
  settings_ = std::make_unique<TelemetrySettings>(load_telemetry_settings(env));
}

void TelemetryService::wire(service::ServiceRuntime& rt) {
  if (!settings_) throw std::logic_error("TelemetryService::wire before load_config");
  const auto& s = *settings_;
  const auto log = rt.log();
  // Start-up errors are exceptions: run_service reports them and exits 1.
  auto keys = security::ApiKeyStore::load_file(s.api_keys_file);
  std::optional<std::string> token_secret;
  if (!s.token_secret_file.empty()) token_secret = security::SecretSet::load_file(s.token_secret_file).current();
  const auto* telemetry_topic = kafka::builtin_topic_table().find(kTelemetryTopic);
  if (!telemetry_topic) throw std::runtime_error("topic table lacks caas.ingress.iot-telemetry.v1");

  store_ = std::make_unique<TelemetryStore>(rt.store(), s.policy.dedup_window);
  probe_ = std::make_unique<Probe>(rt.metrics());
  emitter_ = std::make_unique<service::EventEmitter>(rt.schemas(), clock_, std::string(kEventSource));
  readings_ = std::make_unique<ReadingHandler>(*store_, s.policy, s.limits, *emitter_, *probe_, guard_,
                                               partition_clock_, log.with({{"component", "readings"}}));
  ownership_ = std::make_unique<OwnershipHandler>(*store_, log.with({{"component", "ownership"}}));
  fleet_ = std::make_unique<FleetHandler>(*store_, *probe_);
  probe_->fleet(store_->counters());

  ReadingHandler* readings = readings_.get();
  service::EventProcessorOptions reading_options;
  reading_options.topics = {std::string(kTelemetryTopic)};
  reading_options.on_applied_committed = [readings] { readings->committed(); };
  auto& reading_processor = rt.add_processor(
      std::move(reading_options),
      [readings](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*readings)(e, txn); });

  const auto& instance = rt.config().common.instance_id;
  OwnershipHandler* ownership = ownership_.get();
  service::EventProcessorOptions owner_options;
  owner_options.topics = {std::string(kOrderEventsTopic)};
  owner_options.group_id = "caas-" + rt.info().name + "-owners-" + instance;
  rt.add_processor(std::move(owner_options),
                   [ownership](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*ownership)(e, txn); });

  FleetHandler* fleet = fleet_.get();
  service::EventProcessorOptions fleet_options;
  fleet_options.topics = {std::string(kVehicleEventsTopic)};
  fleet_options.group_id = "caas-" + rt.info().name + "-fleet-" + instance;
  fleet_options.on_applied_committed = [fleet] { fleet->committed(); };
  rt.add_processor(std::move(fleet_options),
                   [fleet](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*fleet)(e, txn); });

  owners_ =
      std::make_unique<PartitionOwners>(rt.kafka_client("partition-owners"), "caas-" + rt.info().name,
                                        std::string(kTelemetryTopic), telemetry_topic->partitions, rt.store(), *probe_,
                                        log.with({{"component", "partition-owners"}}), s.ownership_interval);
  PartitionOwners* owners = owners_.get();
  rt.readiness().add("partition-ownership-known", [owners] { return owners->known(); });
  service::EventProcessor* rp = &reading_processor;
  auto caught_up = [rp] { return rp->caught_up(); };
  sweeper_ =
      std::make_unique<DeadlineSweeper>(*store_, s.policy, s.limits, *emitter_, guard_, *owners_, partition_clock_,
                                        *probe_, log.with({{"component", "offline-sweeper"}}), s.sweeper,
                                        [caught_up, owners] { return caught_up() && owners->known(); });

  admin_auth_ = std::make_unique<service::Authenticator>(keys, std::nullopt, clock_);
  const auto* settings = settings_.get();
  const service::EventEmitter* emitter = emitter_.get();
  const PartitionClock* live_clock = &partition_clock_;
  const auto shadow_log = log.with({{"component", "verify-replay"}});
  service::ShadowFactory shadow = [settings, emitter, owners, live_clock, shadow_log](store::StateStore& st,
                                                                                      obs::Metrics& metrics) {
    auto sh = std::make_shared<Shadow>(st, metrics, *settings, *emitter, *owners, *live_clock, shadow_log);
    service::ShadowWiring w;
    Shadow* p = sh.get();
    service::ShadowProcessor readings_p;
    readings_p.options.topics = {std::string(kTelemetryTopic)};
    readings_p.options.on_applied_committed = [p] { p->readings.committed(); };
    readings_p.handler = [p](const service::ConsumedEvent& e, store::WriteTxn& txn) { return p->readings(e, txn); };
    service::ShadowProcessor owners_p;
    owners_p.options.topics = {std::string(kOrderEventsTopic)};
    owners_p.handler = [p](const service::ConsumedEvent& e, store::WriteTxn& txn) { return p->ownership(e, txn); };
    service::ShadowProcessor fleet_p;
    fleet_p.options.topics = {std::string(kVehicleEventsTopic)};
    fleet_p.options.on_applied_committed = [p] { p->fleet.committed(); };
    fleet_p.handler = [p](const service::ConsumedEvent& e, store::WriteTxn& txn) { return p->fleet(e, txn); };
    w.processors = {std::move(readings_p), std::move(owners_p), std::move(fleet_p)};
    w.after_replay = [p] { p->sweeper.sweep_once(); };
    w.keep_alive = sh;
    return w;
  };
  service::ReplayVerifierOptions verify;
  verify.service = rt.info().name;
  verify.key_prefixes = replayed_key_prefixes();
  verify.data_dir = std::filesystem::path(rt.config().common.data_dir) / (rt.info().name + "-verify-replay");
  verify.timeout = s.verify_timeout;
  verifier_ = std::make_unique<service::ReplayVerifier>(std::move(verify), rt.kafka_consumer_client("verify-replay"),
                                                        rt.store(), rt.schemas(), shadow_log, std::move(shadow));
  service::add_verify_replay_route(rt.router(), *admin_auth_, *verifier_);

  api_ = std::make_unique<TelemetryApi>(*store_, service::Authenticator(std::move(keys), token_secret, clock_),
                                        *owners_, *fleet_, caught_up);
  api_->add_routes(rt.router());
  owners_->start();
  sweeper_->start();

  log.info("telemetry-ingest configured",
           {{"offline_timeout_ms", static_cast<std::int64_t>(s.policy.offline_timeout.count())},
            {"platform_timeouts", static_cast<std::int64_t>(s.policy.platform_timeouts.size())},
            {"offline_grace_ms", static_cast<std::int64_t>(s.sweeper.grace.count())},
            {"dedup_window", static_cast<std::int64_t>(s.policy.dedup_window)},
            {"timeline_max", static_cast<std::int64_t>(s.limits.timeline_max)},
            {"token_auth", token_secret.has_value()}});
}

void TelemetryService::stop() {
  if (verifier_) verifier_->stop();
  if (sweeper_) sweeper_->stop();
  if (owners_) owners_->stop();
}

}  // namespace caas::telemetry
