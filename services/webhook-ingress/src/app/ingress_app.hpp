#pragma once
// The request pipeline of every declared webhook source, in this order:
//   content type (415) → body size (413) → duplicated Host / signature
//   headers (400) → signature (factory: 64 hex digits only, else 400
//   "Invalid signature"; standard 401)
//   → rate limit (429 + Retry-After) → strict JSON (400) → field + schema
//   validation (400 naming the field) → known factory order (404 after the
//   grace; at grace 0 at once) → webhook-id dedup (200 without a second record) → produce
//   every record; answer 2xx only once Kafka acknowledged all of them,
//   503 + Retry-After otherwise.
// Handlers never block the I/O thread: the Responder is completed from the
// producer's delivery callback.

#include "domain/rate_limiter.hpp"
#include "domain/record_builder.hpp"
#include "domain/source_config.hpp"
#include "domain/validation.hpp"

#include <caas/events/json.hpp>
#include <caas/events/schema_registry.hpp>
#include <caas/events/time.hpp>
#include <caas/http/server.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/security/secrets.hpp>
#include <caas/service/event_processor.hpp>
#include <caas/store/state_store.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace caas::ingress {

struct IngressOptions {
  std::chrono::seconds signature_tolerance{300};  // Standard Webhooks, both directions
  bool check_known_orders = true;                 // global switch over the sources' setting
  std::chrono::milliseconds unknown_order_grace{std::chrono::minutes{10}};
  std::chrono::milliseconds dedup_retention{std::chrono::hours{48}};
  std::chrono::milliseconds unknown_order_retention{std::chrono::hours{24 * 7}};
  events::StrictJsonLimits json_limits{32, 16u << 20, 64u << 10, 200000};
};

struct SourceBinding {
  SourceConfig config;
  security::SecretSet secrets;
};

/// Store keys owned by the ingress.
inline constexpr std::string_view kKnownOrderPrefix = "known-order/";      // factory order id -> order id
inline constexpr std::string_view kUnknownOrderPrefix = "unknown-order/";  // first seen (ms since epoch)
inline constexpr std::string_view kSeenWebhookPrefix = "webhook-seen/";    // <source>/<webhook-id> -> ms

class IngressApp {
 public:
  /// Everything passed by reference must outlive the app, except after
  /// detach(): then nothing of it is touched any more.
  IngressApp(std::vector<SourceBinding> sources, IngressOptions options, kafka::Producer& producer,
             store::StateStore& store, const events::SchemaRegistry& schemas, observability::Logger log,
             observability::Metrics& metrics, events::Clock clock = events::system_now);
  ~IngressApp();
  IngressApp(const IngressApp&) = delete;
  IngressApp& operator=(const IngressApp&) = delete;

  void add_routes(http::Router& router);

  /// Projection of caas.factory.events.v1: remembers the factory order ids
  /// the platform placed (factory.order-placed).
  service::HandlerOutcome on_factory_event(const service::ConsumedEvent& event, store::WriteTxn& txn);
  bool needs_known_orders() const;

  /// Forgets webhook ids and unknown-order markers older than their
  /// retention. Returns how many keys were removed (bounded per call).
  std::size_t prune();

  /// New requests get 503 from now on (shutdown).
  void stop_accepting() { accepting_ = false; }
  /// Delivery callbacks that still arrive answer 503 without touching the
  /// store or the metrics (the runtime that owns them is going away).
  void detach() { detached_ = true; }

  struct Source;
  struct Exchange;

 private:
  void handle(Source& source, http::Request&& request, http::Responder respond);
  void finish(Exchange& x, http::Response response, std::string_view outcome);
  void complete_delivery(Exchange& x);
  enum class OrderCheck { known, within_grace, unknown };
  OrderCheck check_known_order(const std::string& factory_order_id, std::chrono::system_clock::time_point now);
  void release_in_flight(const std::string& key);

  std::vector<std::unique_ptr<Source>> sources_;
  IngressOptions options_;
  kafka::Producer& producer_;
  store::StateStore& store_;
  const events::SchemaRegistry& schemas_;
  observability::Logger log_;
  events::Clock clock_;
  std::atomic<bool> accepting_{true};
  std::atomic<bool> detached_{false};

  std::mutex in_flight_mutex_;
  std::unordered_set<std::string> in_flight_ids_;  // webhook ids being produced right now

  prometheus::Family<prometheus::Counter>& requests_;
  observability::HistogramFamily duration_;
  observability::HistogramFamily produce_latency_;
  prometheus::Family<prometheus::Counter>& signature_failures_;
  prometheus::Family<prometheus::Counter>& unavailable_;
  prometheus::Family<prometheus::Counter>& invalid_payload_;
  prometheus::Family<prometheus::Counter>& duplicates_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
};

}  // namespace caas::ingress
