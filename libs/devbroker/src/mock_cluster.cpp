#include <caas/devbroker/mock_cluster.hpp>

#include <algorithm>
#include <stdexcept>

namespace caas::devbroker {
namespace {

void check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("mock cluster: " + what + ": " + rd_kafka_err2str(err));
  }
}

}  // namespace

MockCluster::MockCluster(int brokers, const kafka::TopicTable& topics) : brokers_(brokers) {
  if (brokers < 1) throw std::invalid_argument("mock cluster: brokers must be >= 1");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  // The host handle never connects anywhere; silence its "no
  // bootstrap.servers" notice but keep errors.
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("mock cluster: rd_kafka_new: ") + errstr);
  }
  host_.reset(rk);
  mcluster_.reset(rd_kafka_mock_cluster_new(host_.get(), brokers));
  if (!mcluster_) throw std::runtime_error("mock cluster: rd_kafka_mock_cluster_new failed");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(mcluster_.get());
  for (const auto& t : topics.topics) {
    create_topic(t.name, t.partitions, std::min(t.replication_factor, brokers));
  }
}

MockCluster::~MockCluster() = default;

std::vector<std::int32_t> MockCluster::broker_ids() const {
  std::vector<std::int32_t> ids;
  for (int i = 1; i <= brokers_; ++i) ids.push_back(i);
  return ids;
}

void MockCluster::broker_down(std::int32_t id) {
  check(rd_kafka_mock_broker_set_down(mcluster_.get(), id), "broker_down " + std::to_string(id));
}
void MockCluster::broker_up(std::int32_t id) {
  check(rd_kafka_mock_broker_set_up(mcluster_.get(), id), "broker_up " + std::to_string(id));
}
void MockCluster::set_rtt(std::int32_t id, int rtt_ms) {
  check(rd_kafka_mock_broker_set_rtt(mcluster_.get(), id, rtt_ms), "set_rtt");
}
void MockCluster::push_request_errors(std::int16_t api_key, std::initializer_list<rd_kafka_resp_err_t> errors) {
  push_request_errors(api_key, std::vector<rd_kafka_resp_err_t>(errors));
}
void MockCluster::push_request_errors(std::int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errors) {
  rd_kafka_mock_push_request_errors_array(mcluster_.get(), api_key, errors.size(), errors.data());
}
void MockCluster::clear_request_errors(std::int16_t api_key) {
  rd_kafka_mock_clear_request_errors(mcluster_.get(), api_key);
}
void MockCluster::delay_responses(std::int32_t broker_id, std::int16_t api_key, int count, int rtt_ms) {
  // The C API is variadic (err, rtt) pairs; push them one at a time.
  for (int i = 0; i < count; ++i) {
    check(rd_kafka_mock_broker_push_request_error_rtts(mcluster_.get(), broker_id, api_key, 1,
                                                       RD_KAFKA_RESP_ERR_NO_ERROR, rtt_ms),
          "delay_responses");
  }
}

void MockCluster::topic_error(const std::string& topic, rd_kafka_resp_err_t err) {
  rd_kafka_mock_topic_set_error(mcluster_.get(), topic.c_str(), err);
}
void MockCluster::create_topic(const std::string& topic, int partitions, int replication_factor) {
  check(rd_kafka_mock_topic_create(mcluster_.get(), topic.c_str(), partitions, replication_factor),
        "create_topic " + topic);
}
void MockCluster::partition_leader(const std::string& topic, std::int32_t partition, std::int32_t broker_id) {
  check(rd_kafka_mock_partition_set_leader(mcluster_.get(), topic.c_str(), partition, broker_id),
        "partition_leader " + topic);
}
void MockCluster::set_coordinator(const std::string& key_type, const std::string& key, std::int32_t broker_id) {
  check(rd_kafka_mock_coordinator_set(mcluster_.get(), key_type.c_str(), key.c_str(), broker_id), "set_coordinator");
}

}  // namespace caas::devbroker
