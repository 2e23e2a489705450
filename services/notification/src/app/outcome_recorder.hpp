#pragma once
// Commits what one send attempt decided, in ONE store write (DESIGN.md §4):
//  * sent:   delivery log entry + history + pending removed + notification.sent
//  * failed: the same with notification.failed, plus the source record as a
//            dead letter on caas.dlq.notification.v1
//  * retry:  the pending delivery with its attempt count and next time
// so a crash at any instant neither loses a notification nor sends one twice
// more than the channel itself can (an SMTP server that accepted a message
// whose acceptance we never recorded — kill -9 in that window — gets it
// again, with the same Message-ID).

#include "app/probe.hpp"
#include "domain/delivery.hpp"
#include "domain/templates.hpp"
#include "store/notification_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_emitter.hpp>

#include <string>

namespace caas::notification {

class OutcomeRecorder {
 public:
  OutcomeRecorder(NotificationStore& store, const service::EventEmitter& emitter, Probe& probe,
                  observability::Logger log, std::string service_name);

  /// `language` is what the message was rendered in ("" if it never was).
  /// Returns false when the store refused the write (the attempt's outcome
  /// is then unknown to us; the pending record is retried as it was).
  bool record(const PendingDelivery& p, const SendResult& result, const AttemptDecision& decision,
              const std::string& language, std::int64_t now_ms);

 private:
  NotificationStore& store_;
  const service::EventEmitter& emitter_;
  Probe& probe_;
  observability::Logger log_;
  std::string service_;
};

}  // namespace caas::notification
