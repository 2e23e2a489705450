#pragma once
// The intranet/customer order API (port 8081), DESIGN.md §2 and §6:
//
//   POST /api/v1/orders                              register a sale        201 | 202 | 400 | 401 | 403
//   POST /api/v1/orders/{id}/reservation-payment     deposit paid           200 | 202 | 404 | 409 ...
//   POST /api/v1/orders/{id}/final-payment           balance paid
//   POST /api/v1/orders/{id}/registration            {vin, registration_plate}
//   POST /api/v1/orders/{id}/handover                delivered to the customer
//   POST /api/v1/orders/{id}/cancel                  {reason}; early states only
//   GET  /api/v1/orders/{id}                         order + factory data + timeline
//   GET  /api/v1/orders?status=&dealership_id=&customer_id=&created_from=&created_to=&sort=&limit=&offset=
//
// A mutation is validated and authorized here, written to
// caas.order.commands.v1 (key = order id) and answered once the partition
// owner's outcome is visible in this replica's stores (owner store or read
// model), or with 202 + Location when it is not within the wait.

#include "api/outcome_waiter.hpp"
#include "domain/order.hpp"
#include "domain/permissions.hpp"

#include <caas/events/schema_registry.hpp>
#include <caas/http/server.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/observability/logger.hpp>
#include <caas/observability/metrics.hpp>
#include <caas/service/caller_auth.hpp>
#include <caas/store/state_store.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace caas::order {

/// Reads orders from the owner store and the read-model replica, preferring the fresher copy.
class OrderReader {
 public:
  OrderReader(const store::StateStore& owner, const store::StateStore* view) : owner_(owner), view_(view) {}
  std::optional<Order> find(std::string_view id) const;
  /// Every order (the read model when there is one: it holds all partitions).
  std::vector<Order> all() const;
  std::optional<std::string> outcome(const std::string& command_id) const;
  /// True when the order's key is parked behind a dead letter in the owner store.
  bool parked(std::string_view order_id) const;

 private:
  const store::StateStore& owner_;
  const store::StateStore* view_;
};

struct ApiOptions {
  std::chrono::milliseconds command_wait{2000};
  std::chrono::milliseconds outcome_poll{5};
  std::size_t max_waiting = 10000;
};

class OrderApi {
 public:
  OrderApi(ApiOptions options, service::Authenticator auth, OrderReader reader, kafka::Producer& producer,
           const events::SchemaRegistry& schemas, observability::Logger log, observability::Metrics& metrics,
           events::Clock clock);
  ~OrderApi();
  void add_routes(http::Router& router);
  /// Completes every waiting request (202) and refuses new waits.
  void stop();

  enum class CommandKind { reservation_payment, final_payment, registration, handover, cancel };

 private:
  struct Call;
  void register_sale(http::Request&& req, http::Responder respond);
  void order_command(CommandKind kind, http::Request&& req, http::Responder respond);
  http::Response get_order(const http::Request& req);
  http::Response list_orders(const http::Request& req);
  void publish_and_wait(std::shared_ptr<Call> call, const std::string& type, const std::string& data);
  void answer_outcome(const std::shared_ptr<Call>& call, const std::optional<std::string>& outcome);
  void finish(const std::shared_ptr<Call>& call, http::Response response);
  std::string now_text() const;

  ApiOptions options_;
  service::Authenticator auth_;
  OrderReader reader_;
  kafka::Producer& producer_;
  const events::SchemaRegistry& schemas_;
  observability::Logger log_;
  events::Clock clock_;
  prometheus::Family<prometheus::Counter>& commands_;  // {operation,outcome}
  OutcomeWaiter waiter_;
};

}  // namespace caas::order
