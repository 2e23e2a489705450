#include <caas/kafka/error.hpp>

#include <catch2/catch.hpp>

using namespace caas::kafka;

TEST_CASE("kafka error codes carry librdkafka's meaning") {
  CHECK_FALSE(make_error_code(RD_KAFKA_RESP_ERR_NO_ERROR));
  const auto ec = make_error_code(RD_KAFKA_RESP_ERR__QUEUE_FULL);
  CHECK(ec.category() == error_category());
  CHECK(std::string(ec.category().name()) == "rdkafka");
  CHECK(ec.message() == rd_kafka_err2str(RD_KAFKA_RESP_ERR__QUEUE_FULL));
  CHECK(to_rd_kafka_err(ec) == RD_KAFKA_RESP_ERR__QUEUE_FULL);
  CHECK(to_rd_kafka_err(std::make_error_code(std::errc::timed_out)) == RD_KAFKA_RESP_ERR_UNKNOWN);
}

TEST_CASE("is_retriable separates transient from permanent failures") {
  CHECK(is_retriable(make_error_code(RD_KAFKA_RESP_ERR__QUEUE_FULL)));
  CHECK(is_retriable(make_error_code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)));
  CHECK(is_retriable(make_error_code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)));
  CHECK(is_retriable(make_error_code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)));
  CHECK(is_retriable(make_error_code(RD_KAFKA_RESP_ERR__PURGE_QUEUE)));
  CHECK_FALSE(is_retriable(make_error_code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)));
  CHECK_FALSE(is_retriable(make_error_code(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)));
  CHECK_FALSE(is_retriable(make_error_code(RD_KAFKA_RESP_ERR__FATAL)));
  CHECK_FALSE(is_retriable({}));
  CHECK_FALSE(is_retriable(std::make_error_code(std::errc::timed_out)));
}
