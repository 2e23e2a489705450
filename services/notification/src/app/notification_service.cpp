#include "app/notification_service.hpp"

#include "domain/notification_events.hpp"

#include <caas/security/secrets.hpp>
#include <stdexcept>

namespace caas::notification {

namespace obs = caas::observability;
using namespace std::chrono_literals;

#ifndef CAAS_NOTIFICATION_TEMPLATE_DIR
#define CAAS_NOTIFICATION_TEMPLATE_DIR "services/notification/templates"
#endif

namespace {

std::optional<HttpSenderSettings> http_sender(obs::EnvConfig& env, const char* url_var, const char* token_var,
                                              const char* timeout_var, std::chrono::milliseconds default_timeout) {
  const auto url = env.string(url_var, "");
  if (url.empty()) return std::nullopt;
  HttpSenderSettings s;
  s.base_url = url;
  auto token = env.secret_file_lines(token_var, /*required=*/true);
  if (!token.empty()) s.token = token.front();
  s.timeout = env.duration_ms(timeout_var, default_timeout, 1ms, 5min);
  return s;
}

}  // namespace

NotificationSettings load_notification_settings(obs::EnvConfig& env) {
  NotificationSettings s;
  s.template_dir = env.string("CAAS_NOTIFICATION_TEMPLATE_DIR", CAAS_NOTIFICATION_TEMPLATE_DIR);
  if (auto url = env.string("CAAS_SMTP_URL", ""); !url.empty()) {
    EmailSettings e;
    if (auto hp = parse_smtp_url(url)) {
      e.host = hp->first;
      e.port = hp->second;
    } else {
      env.add_error("CAAS_SMTP_URL: " + hp.error().message);
    }
    e.from_address = env.string("CAAS_SMTP_FROM", e.from_address);
    if (!is_valid_email(e.from_address)) env.add_error("CAAS_SMTP_FROM: not an e-mail address");
    e.from_name = env.string("CAAS_SMTP_FROM_NAME", e.from_name);
    e.timeout = env.duration_ms("CAAS_SMTP_TIMEOUT", 10s, 1ms, 5min);
    e.connections = static_cast<std::size_t>(env.integer("CAAS_SMTP_CONNECTIONS", 16, 1, 256));
    s.email = e;
  }
  s.push = http_sender(env, "CAAS_PUSH_GATEWAY_URL", "CAAS_PUSH_GATEWAY_TOKEN_FILE", "CAAS_PUSH_TIMEOUT", 5s);
  s.vehicle = http_sender(env, "CAAS_IOT_API_URL", "CAAS_IOT_API_TOKEN_FILE", "CAAS_IOT_TIMEOUT", 10s);
  s.retry.max_attempts = static_cast<int>(env.integer("CAAS_NOTIFICATION_MAX_ATTEMPTS", 6, 1, 100));
  s.retry.initial_backoff = env.duration_ms("CAAS_NOTIFICATION_RETRY_INITIAL", 1s, 1ms, 1h);
  s.retry.max_backoff = env.duration_ms("CAAS_NOTIFICATION_RETRY_MAX", 60s, 1ms, 24h);
  s.retry.contact_wait = env.duration_ms("CAAS_NOTIFICATION_CONTACT_WAIT", 24h, 0ms, 24h * 30);
  s.retry.contact_recheck = env.duration_ms("CAAS_NOTIFICATION_CONTACT_RECHECK", 30s, 1ms, 24h);
  s.email_concurrency = static_cast<unsigned>(env.integer("CAAS_NOTIFICATION_EMAIL_CONCURRENCY", 16, 1, 256));
  s.push_concurrency = static_cast<unsigned>(env.integer("CAAS_NOTIFICATION_PUSH_CONCURRENCY", 4, 1, 256));
  s.vehicle_concurrency = static_cast<unsigned>(env.integer("CAAS_NOTIFICATION_VEHICLE_CONCURRENCY", 2, 1, 256));
  s.default_language = *parse_language(env.enumeration("CAAS_NOTIFICATION_DEFAULT_LANGUAGE", {"es", "en"}, "es"));
  s.api_keys_file = env.required_string("CAAS_API_KEYS_FILE");
  s.token_secret_file = env.string("CAAS_TOKEN_SECRET_FILE", "");
  return s;
}

NotificationService::NotificationService(events::Clock clock) : clock_(std::move(clock)) {}

NotificationService::~NotificationService() {
  stop();
}

void NotificationService::load_config(obs::EnvConfig& env) {
  settings_ = std::make_unique<NotificationSettings>(load_notification_settings(env));
}

ChannelDispatcher* NotificationService::dispatcher(Channel channel) {
  for (auto& d : dispatchers_) {
    if (d->channel() == channel) return d.get();
  }
  return nullptr;
}

void NotificationService::wire(service::ServiceRuntime& rt) {
  // The runtime (run_service, RunningService) loads the configuration once, first.
  if (!settings_) throw std::logic_error("wire() before load_config()");
  const auto& s = *settings_;
  const auto log = rt.log();
  // Start-up errors are exceptions: run_service reports them and exits 1.
  auto templates = TemplateSet::load(s.template_dir);
  if (!templates) throw std::runtime_error("notification templates: " + templates.error().message);
  templates_ = std::make_unique<TemplateSet>(std::move(*templates));
  auto keys = security::ApiKeyStore::load_file(s.api_keys_file);
  std::optional<std::string> token_secret;
  if (!s.token_secret_file.empty()) token_secret = security::SecretSet::load_file(s.token_secret_file).current();

  store_ = std::make_unique<NotificationStore>(rt.store());
  probe_ = std::make_unique<Probe>(rt.metrics());
  emitter_ = std::make_unique<service::EventEmitter>(rt.schemas(), clock_, std::string(kEventSource));
  recorder_ = std::make_unique<OutcomeRecorder>(*store_, *emitter_, *probe_, log.with({{"component", "delivery"}}),
                                                rt.info().name);
  const service::EventEmitter* emitter = emitter_.get();
  auto now_ms = [emitter] { return emitter->now_ms(); };

  std::vector<Channel> configured;
  auto add_channel = [&](Channel channel, std::unique_ptr<Sender> sender, unsigned concurrency) {
    DispatcherSettings d{concurrency, s.default_language};
    dispatchers_.push_back(std::make_unique<ChannelDispatcher>(
        channel, *sender, *templates_, *store_, *recorder_, s.retry, *probe_,
        log.with({{"component", "dispatcher"}, {"channel", std::string(to_string(channel))}}), d, now_ms));
    senders_.push_back(std::move(sender));
    configured.push_back(channel);
  };
  if (s.email) add_channel(Channel::email, std::make_unique<EmailSender>(*s.email), s.email_concurrency);
  if (s.push) add_channel(Channel::push, std::make_unique<PushSender>(*s.push), s.push_concurrency);
  if (s.vehicle) {
    add_channel(Channel::vehicle_display, std::make_unique<VehicleDisplaySender>(*s.vehicle), s.vehicle_concurrency);
  }
  if (configured.empty()) log.warn("no channel configured (CAAS_SMTP_URL, CAAS_PUSH_GATEWAY_URL, CAAS_IOT_API_URL)");
  probe_->start_at_zero(configured);

  std::vector<ChannelDispatcher*> dispatchers;
  for (auto& d : dispatchers_) dispatchers.push_back(d.get());
  auto handoff = [dispatchers](const PendingDelivery& p) {
    for (auto* d : dispatchers) {
      if (d->channel() == p.channel) d->add(p);
    }
  };
  planner_ =
      std::make_unique<Planner>(*store_, *emitter_, *probe_, log.with({{"component", "planner"}}), configured, handoff);
  api_ = std::make_unique<NotificationApi>(*store_, service::Authenticator(std::move(keys), token_secret, clock_),
                                           *emitter_, log.with({{"component", "api"}}),
                                           [dispatchers](const std::string& customer) {
                                             for (auto* d : dispatchers) d->customer_updated(customer);
                                           });
  api_->add_routes(rt.router());

  // The own log first: the processor the runtime starts; its end opens the gate.
  projection_ = std::make_unique<LogProjection>(*store_, log.with({{"component", "log-projection"}}));
  gate_ = std::make_unique<service::StartGate>(
      log.with({{"component", "start-gate"}}),
      "delivery log rebuilt from caas.notification.events.v1: dispatchers and order-event consumer started");
  service::StartGate* gate = gate_.get();
  rt.readiness().add("delivery-log-rebuilt", [gate] { return gate->is_open(); });
  service::EventProcessorOptions own_log;
  own_log.topics = {std::string(kEventsTopic)};
  own_log.group_id = "caas-" + rt.info().name + "-log";
  own_log.on_caught_up = [gate] { gate->open(); };
  LogProjection* projection = projection_.get();
  rt.add_processor(std::move(own_log), [projection](const service::ConsumedEvent& e, store::WriteTxn& txn) {
    return (*projection)(e, txn);
  });

  Planner* planner = planner_.get();
  service::EventProcessorOptions orders;
  // Order milestones and OTA outcomes: one planner, one consumer group.
  orders.topics = {std::string(kOrderEventsTopic), std::string(kOtaEventsTopic)};
  orders.on_applied_committed = [planner] { planner->committed(); };
  order_events_ = rt.make_processor(
      std::move(orders), "orders",
      [planner](const service::ConsumedEvent& e, store::WriteTxn& txn) { return (*planner)(e, txn); });
  service::EventProcessor* order_events = order_events_.get();
  NotificationStore* store = store_.get();
  gate_->on_open([dispatchers, store, order_events, log] {
    // Deliveries planned before a restart go first, in their order.
    std::size_t reloaded = 0;
    for (const auto& p : store->all_pending()) {
      for (auto* d : dispatchers) {
        if (d->channel() == p.channel) d->add(p);
      }
      ++reloaded;
    }
    for (auto* d : dispatchers) d->start();
    order_events->start();
    log.info("notification pipeline started", {{"pending_reloaded", static_cast<std::int64_t>(reloaded)}});
  });

  log.info("notification service configured",
           {{"template_dir", s.template_dir},
            {"email", s.email ? s.email->host + ":" + std::to_string(s.email->port) : std::string("off")},
            {"push_gateway_url", s.push ? s.push->base_url : std::string("off")},
            {"iot_api_url", s.vehicle ? s.vehicle->base_url : std::string("off")},
            {"max_attempts", s.retry.max_attempts},
            {"retry_initial_ms", static_cast<std::int64_t>(s.retry.initial_backoff.count())}});
}

void NotificationService::stop() {
  if (gate_) gate_->close();  // nothing starts any more
  if (order_events_) order_events_->stop();
  for (auto& d : dispatchers_) d->stop();
}

}  // namespace caas::notification
