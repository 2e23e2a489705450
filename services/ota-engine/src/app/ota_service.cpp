#include "app/ota_service.hpp"

#include "domain/ota_events.hpp"

#include <caas/events/envelope.hpp>
#include <caas/security/secrets.hpp>

#include <fstream>
#include <sstream>

#ifndef CAAS_OTA_DEFAULT_CATALOGUE_FILE
#error "CAAS_OTA_DEFAULT_CATALOGUE_FILE: the build defines it (services/ota-engine/CMakeLists.txt)"
#endif

namespace caas::ota {

namespace obs = caas::observability;
using namespace std::chrono_literals;

OtaSettings load_ota_settings(obs::EnvConfig& env) {
  OtaSettings s;
  s.iot.base_url = env.required_string("CAAS_IOT_API_URL");
  auto token = env.secret_file_lines("CAAS_IOT_API_TOKEN_FILE", true);
  if (!token.empty()) s.iot.token = token.front();
  s.iot.timeout = env.duration_ms("CAAS_OTA_IOT_TIMEOUT", 5s, 10ms, 120s);
  s.worker.threads = static_cast<unsigned>(env.integer("CAAS_OTA_IOT_WORKERS", 4, 1, 64));
  s.worker.max_queue = static_cast<std::size_t>(env.integer("CAAS_OTA_WORK_QUEUE", 100000, 10, 1'000'000));
  s.timer_interval = std::chrono::milliseconds(env.integer("CAAS_OTA_TIMER_INTERVAL_MS", 1000, 1, 3'600'000));
  const auto scale_text = env.string("CAAS_OTA_RETRY_SCALE", "1.0");
  try {
    std::size_t used = 0;
    s.retry_scale = std::stod(scale_text, &used);
    if (used != scale_text.size() || !(s.retry_scale >= 0.0001 && s.retry_scale <= 1000)) throw std::out_of_range("");
  } catch (const std::exception&) {
    env.add_error("CAAS_OTA_RETRY_SCALE: '" + scale_text + "' is not a number in 0.0001..1000");
  }
  s.api.rate_per_vehicle = env.integer("CAAS_OTA_RATE_LIMIT_PER_VEHICLE", 20, 0, 1'000'000);
  s.api.rate_per_customer = env.integer("CAAS_OTA_RATE_LIMIT_PER_CUSTOMER", 60, 0, 1'000'000);
  s.resolution_hours = static_cast<int>(env.integer("CAAS_OTA_RESOLUTION_HOURS", 48, 1, 720));
  s.ack_wait.grace = env.duration_ms("CAAS_OTA_ACK_WAIT_GRACE", 10min, 1s, 24h * 7);
  s.api_keys_file = env.required_string("CAAS_API_KEYS_FILE");
  s.token_secret_file = env.string("CAAS_TOKEN_SECRET_FILE", "");
  s.catalogue_file = env.string("CAAS_OTA_CATALOGUE_FILE", CAAS_OTA_DEFAULT_CATALOGUE_FILE);
  std::ifstream in(s.catalogue_file);
  if (!in) {
    env.add_error("CAAS_OTA_CATALOGUE_FILE: cannot read '" + s.catalogue_file + "'");
  } else {
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = Catalogue::parse(text.str(), s.catalogue_file);
    if (!parsed) {
      env.add_error("CAAS_OTA_CATALOGUE_FILE: " + parsed.error().message);
    } else {
      s.catalogue = parsed->scaled(s.retry_scale);
    }
  }
  return s;
}

bool posted_in_log(const std::vector<service::WaitingRecord>& waiting, const PostCommand& p) {
  for (const auto& w : waiting) {
    if (w.record.topic != kCommandsTopic) continue;
    auto envelope = events::parse_envelope(w.record.value);
    if (!envelope || envelope->type != "ota.command-posted") continue;
    auto posted = parse_posted(envelope->data);
    // This attempt, or a later one: the engine that wrote it had gone past this decision.
    if (posted && posted->first == p.activation_id && posted->second.attempt >= p.attempt) return true;
  }
  return false;
}

OtaService::OtaService(events::Clock clock) : clock_(std::move(clock)) {}

OtaService::~OtaService() {
  stop();
}

void OtaService::load_config(obs::EnvConfig& env) {
  settings_ = std::make_unique<OtaSettings>(load_ota_settings(env));
}

void OtaService::committed() {
  Staged staged = std::move(staged_);
  staged_.clear();
  probe_->committed(staged);
  // Releases first: the worker runs a job only once they are served
  // (EventProcessor::settled), so no job overtakes the records they take back.
  if (main_ && main_->waiting_total() > 0) {
    for (auto& key : staged.release_keys) main_->release(std::move(key));
  }
  if (worker_) worker_->submit(std::move(staged.posts), std::move(staged.queries));
}

void OtaService::wire(service::ServiceRuntime& rt) {
  if (!settings_ || !settings_->catalogue) throw std::logic_error("OtaService::wire before load_config");
  auto& s = *settings_;
  const auto log = rt.log();
  auto keys = security::ApiKeyStore::load_file(s.api_keys_file);
  std::optional<std::string> token_secret;
  if (!s.token_secret_file.empty()) token_secret = security::SecretSet::load_file(s.token_secret_file).current();

  store_ = std::make_unique<OtaStore>(rt.store());
  probe_ = std::make_unique<Probe>(rt.metrics());
  probe_->set_in_flight(static_cast<double>(store_->count_in_flight()));
  emitter_ = std::make_unique<service::EventEmitter>(rt.schemas(), clock_, std::string(kEventSource));
  Probe* probe = probe_.get();
  iot_ = std::make_unique<IotClient>(s.iot, [probe](bool ok) { probe->iot_request(ok); });
  deps_ = std::make_unique<HandlerDeps>(
      HandlerDeps{StepContext{*store_, *s.catalogue, *emitter_, Engine{}, s.resolution_hours},
                  log.with({{"component", "activations"}})});
  commands_ = std::make_unique<CommandsHandler>(*deps_);
  statuses_ = std::make_unique<CommandStatusHandler>(*deps_);
  vehicles_ = std::make_unique<VehicleEventsHandler>(*deps_);
  deliveries_ = std::make_unique<DeliveryHandler>(*store_, *s.catalogue, log.with({{"component", "owners"}}));

  gate_ = std::make_unique<service::StartGate>(
      log.with({{"component", "start-gate"}}),
      "emitted ids read from the output topics: activations, IoT worker and timers started");
  service::StartGate* gate = gate_.get();
  rt.readiness().add("output-ids-read", [gate] { return gate->is_open(); });

  const auto& instance = rt.config().common.instance_id;
  service::EventProcessorOptions emitted;
  emitted.topics = {std::string(kOtaEventsTopic), std::string(kBillingTopic), std::string(kTicketsTopic)};
  emitted.group_id = "caas-" + rt.info().name + "-emitted-" + instance;
  emitted.on_caught_up = [gate] { gate->open(); };
  EmittedHandler* eh = &emitted_;
  rt.add_processor(std::move(emitted),
                   [eh](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*eh)(e, txn); });

  DeliveryHandler* dh = deliveries_.get();
  service::EventProcessorOptions owners;
  owners.topics = {std::string(kOrderEventsTopic)};
  owners.group_id = "caas-" + rt.info().name + "-owners-" + instance;
  rt.add_processor(std::move(owners),
                   [dh](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*dh)(e, txn); });

  service::EventProcessorOptions main;
  main.topics = {std::string(kCommandsTopic), std::string(kCommandStatusTopic), std::string(kVehicleEventsTopic)};
  main.park_failed_keys = true;  // per-VIN order (DESIGN.md §3)
  main.waiting = s.ack_wait;
  main.on_applied_committed = [this] { committed(); };
  CommandsHandler* ch = commands_.get();
  CommandStatusHandler* sh = statuses_.get();
  VehicleEventsHandler* vh = vehicles_.get();
  Staged* staged = &staged_;
  main_ = rt.make_processor(
      std::move(main), "activations",
      [ch, sh, vh, staged](const service::ConsumedEvent& e, store::WriteTxn& txn) -> service::HandlerOutcome {
        staged->clear();  // a handler called again drops what it staged before
        const auto topic = e.record.topic();
        if (topic == kCommandsTopic) return (*ch)(e, txn, *staged);
        if (topic == kCommandStatusTopic) return (*sh)(e, txn, *staged);
        return (*vh)(e, txn, *staged);
      });
  service::EventProcessor* mp = main_.get();
  worker_ = std::make_unique<IotWorker>(s.worker, *store_, *iot_, *emitter_, *probe_,
                                        log.with({{"component", "iot-worker"}}));
  sweeper_ = std::make_unique<TimerSweeper>(*store_, *emitter_, s.timer_interval, log.with({{"component", "timers"}}));
  IotWorker* worker = worker_.get();
  TimerSweeper* sweeper = sweeper_.get();
  gate_->on_open([mp, worker, sweeper] {
    mp->start();
    // Caught up with every input partition *and* every released waiting
    // record applied: before that a replay's store may not hold yet the
    // records that prove a command was posted or a timer fired.
    auto ready = [mp] { return mp->settled(); };
    worker->start(ready,
                  [mp](const PostCommand& p) { return posted_in_log(mp->waiting_records(kCommandsTopic, p.vin), p); });
    sweeper->start(ready);
  });

  api_ = std::make_unique<OtaApi>(s.api, *store_, *s.catalogue,
                                  service::Authenticator(std::move(keys), token_secret, clock_), *emitter_, *iot_,
                                  log.with({{"component", "api"}}));
  api_->add_routes(rt.router());

  log.info("ota-engine configured", {{"catalogue", s.catalogue_file},
                                     {"services", static_cast<std::int64_t>(s.catalogue->services().size())},
                                     {"iot_api_url", s.iot.base_url},
                                     {"retry_scale", std::to_string(s.retry_scale)},
                                     {"timer_interval_ms", static_cast<std::int64_t>(s.timer_interval.count())},
                                     {"token_auth", token_secret.has_value()}});
}

void OtaService::stop() {
  if (gate_) gate_->close();
  if (sweeper_) sweeper_->stop();
  if (worker_) worker_->stop();
  if (main_) main_->stop();
}

}  // namespace caas::ota
