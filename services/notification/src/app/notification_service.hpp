#pragma once
// The notification service (port 8085): wiring and configuration.
//
//   caas.notification.events.v1 --LogProjection--> delivery log + profiles
//        (its end opens the StartGate)
//   caas.order.events.v1, caas.ota.events.v1 --Planner--> pending deliveries --> ChannelDispatcher
//        per channel --Sender--> SMTP / push gateway / API IoT
//        --OutcomeRecorder--> notification.sent|failed (+ dead letter)
//   HTTP: NotificationApi (history, preferences)
//
// One replica (like factory-adapter): the delivery log it rebuilds from its
// own log is only complete if nobody else writes to that log meanwhile.

#include "api/notification_api.hpp"
#include "app/dispatcher.hpp"
#include "app/log_projection.hpp"
#include "app/outcome_recorder.hpp"
#include "app/planner.hpp"
#include "app/probe.hpp"
#include "channels/email_sender.hpp"
#include "channels/http_senders.hpp"
#include "domain/templates.hpp"
#include "store/notification_store.hpp"

#include <caas/events/time.hpp>
#include <caas/service/event_emitter.hpp>
#include <caas/service/runtime.hpp>
#include <caas/service/start_gate.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace caas::notification {

struct NotificationSettings {
  std::string template_dir;
  std::optional<EmailSettings> email;         // CAAS_SMTP_URL set
  std::optional<HttpSenderSettings> push;     // CAAS_PUSH_GATEWAY_URL set
  std::optional<HttpSenderSettings> vehicle;  // CAAS_IOT_API_URL set
  RetryRules retry;
  unsigned email_concurrency = 16;
  unsigned push_concurrency = 4;
  unsigned vehicle_concurrency = 2;
  Language default_language = Language::es;
  std::string api_keys_file;
  std::string token_secret_file;
};

NotificationSettings load_notification_settings(observability::EnvConfig& env);

class NotificationService final : public service::Service {
 public:
  explicit NotificationService(events::Clock clock = events::system_now);
  ~NotificationService() override;

  void load_config(observability::EnvConfig& env) override;
  void wire(service::ServiceRuntime& runtime) override;
  void stop() override;

  /// For tests: the dispatcher of a channel, if configured.
  ChannelDispatcher* dispatcher(Channel channel);

 private:
  events::Clock clock_;
  std::unique_ptr<NotificationSettings> settings_;
  std::unique_ptr<TemplateSet> templates_;
  std::unique_ptr<NotificationStore> store_;
  std::unique_ptr<Probe> probe_;
  std::unique_ptr<service::EventEmitter> emitter_;
  std::unique_ptr<OutcomeRecorder> recorder_;
  std::vector<std::unique_ptr<Sender>> senders_;
  std::vector<std::unique_ptr<ChannelDispatcher>> dispatchers_;
  std::unique_ptr<Planner> planner_;
  std::unique_ptr<LogProjection> projection_;
  std::unique_ptr<NotificationApi> api_;
  std::unique_ptr<service::StartGate> gate_;
  std::unique_ptr<service::EventProcessor> order_events_;
};

}  // namespace caas::notification
