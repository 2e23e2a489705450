#pragma once
// The customer-facing API (port 8085, DESIGN.md §2, §6):
//   GET /api/v1/customers/{id}/notifications   the delivery log (filters, pagination)
//   GET /api/v1/customers/{id}/preferences     contact, language, channels
//   PUT /api/v1/customers/{id}/preferences     change them (-> notification.preferences-updated)
// A customer token sees and changes only its own customer; operators and
// admins any; the system role (CRM integration) any; dealers none.

#include "app/probe.hpp"
#include "store/notification_store.hpp"

#include <caas/http/server.hpp>
#include <caas/observability/logger.hpp>
#include <caas/service/caller_auth.hpp>
#include <caas/service/event_emitter.hpp>

#include <functional>
#include <string>

namespace caas::notification {

class NotificationApi {
 public:
  /// `on_preferences_changed` runs after a change is committed (dispatchers
  /// re-check the customer's waiting e-mails).
  NotificationApi(NotificationStore& store, service::Authenticator auth, const service::EventEmitter& emitter,
                  observability::Logger log, std::function<void(const std::string&)> on_preferences_changed);
  void add_routes(http::Router& router);

  http::Response list_notifications(const http::Request& req) const;
  http::Response get_preferences(const http::Request& req) const;
  http::Response put_preferences(const http::Request& req);

 private:
  /// The principal if it may act on the customer in the path, else the error response.
  std::variant<security::Principal, http::Response> authorize(const http::Request& req) const;

  NotificationStore& store_;
  service::Authenticator auth_;
  const service::EventEmitter& emitter_;
  observability::Logger log_;
  std::function<void(const std::string&)> on_preferences_changed_;
};

}  // namespace caas::notification
