#pragma once
// librdkafka error codes as std::error_code, so Kafka failures travel through
// caas::Result / DeliveryReport like any other error and callers can ask one
// question — "is it worth retrying?" — without knowing librdkafka.

#include <librdkafka/rdkafka.h>

#include <system_error>

namespace caas::kafka {

/// The category of every rd_kafka_resp_err_t (name "rdkafka"); the value is
/// the raw enum value, message() is rd_kafka_err2str.
const std::error_category& error_category() noexcept;

/// Wraps an rd_kafka_resp_err_t; NO_ERROR becomes an empty error_code.
std::error_code make_error_code(rd_kafka_resp_err_t err) noexcept;

/// The raw librdkafka code carried by `ec`, or RD_KAFKA_RESP_ERR_UNKNOWN when
/// `ec` belongs to another category.
rd_kafka_resp_err_t to_rd_kafka_err(std::error_code ec) noexcept;

/// True for conditions that go away on their own (broker down, leader
/// election, timeouts, local queue full, purged before delivery). A record
/// that failed with a retriable error was NOT stored and may be sent again
/// (the idempotent producer keeps the retry duplicate-free per session).
/// False for errors of other categories.
bool is_retriable(std::error_code ec) noexcept;

}  // namespace caas::kafka
