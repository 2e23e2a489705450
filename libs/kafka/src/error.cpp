#include <caas/kafka/error.hpp>

#include <string_view>

#include "caas/core/error_category.hpp"

namespace caas::kafka {
namespace {

// librdkafka owns the texts; the codes are its rd_kafka_resp_err_t values.
std::string_view describe(rd_kafka_resp_err_t err) noexcept {
  return rd_kafka_err2str(err);
}

}  // namespace

const std::error_category& error_category() noexcept {
  // Immutable; function-local for init order.
  static const ErrorCategory<rd_kafka_resp_err_t> category("rdkafka", describe);
  return category;
}

std::error_code make_error_code(rd_kafka_resp_err_t err) noexcept {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  return {static_cast<int>(err), error_category()};
}

rd_kafka_resp_err_t to_rd_kafka_err(std::error_code ec) noexcept {
  if (!ec) return RD_KAFKA_RESP_ERR_NO_ERROR;
  if (ec.category() != error_category()) return RD_KAFKA_RESP_ERR_UNKNOWN;
  return static_cast<rd_kafka_resp_err_t>(ec.value());
}

bool is_retriable(std::error_code ec) noexcept {
  if (!ec || ec.category() != error_category()) return false;
  switch (static_cast<rd_kafka_resp_err_t>(ec.value())) {
    // Local conditions that clear up by themselves.
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    // Purged on shutdown: never stored, safe to send again.
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    // Broker-side retriable errors (Kafka marks these RetriableException).
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
      return true;
    default:
      return false;
  }
}

}  // namespace caas::kafka
