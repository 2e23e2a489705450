#pragma once
// An in-process Kafka cluster (librdkafka's mock broker: the real wire
// protocol on loopback, random ports) with every topic of the topic table
// pre-created. One per test: construct, hand bootstrap() to the code under
// test, inject faults, destroy.
//
// Limits of librdkafka 2.0.2's mock (see README): no CreateTopics/DeleteTopics
// API, no transactions across restarts, no persistence, only the newest
// ~5 MiB per partition is kept, unknown topics are auto-created on first use.

#include <caas/kafka/topics.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace caas::devbroker {

class MockCluster {
 public:
  /// Throws std::runtime_error if the cluster or a topic cannot be created.
  /// Topics get min(replication_factor, brokers) replicas.
  explicit MockCluster(int brokers = 3, const kafka::TopicTable& topics = kafka::builtin_topic_table());
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  /// "127.0.0.1:port,..." for bootstrap.servers.
  const std::string& bootstrap() const noexcept { return bootstrap_; }
  /// Broker ids are 1..N.
  std::vector<std::int32_t> broker_ids() const;
  int broker_count() const noexcept { return brokers_; }

  // Fault controls. Each throws std::runtime_error if librdkafka refuses.
  /// Closes the broker's connections and refuses new ones; leadership does
  /// NOT move (clients wait for it to come back), like a paused broker.
  void broker_down(std::int32_t broker_id);
  void broker_up(std::int32_t broker_id);
  /// Adds `rtt_ms` latency to every response of that broker.
  void set_rtt(std::int32_t broker_id, int rtt_ms);
  /// The next requests of `api_key` (e.g. RD_KAFKAP_Produce = 0) to ANY
  /// broker fail with these errors, one per request, in order.
  void push_request_errors(std::int16_t api_key, std::initializer_list<rd_kafka_resp_err_t> errors);
  void push_request_errors(std::int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errors);
  void clear_request_errors(std::int16_t api_key);
  /// The next `count` requests of `api_key` to `broker_id` are processed
  /// normally but answered only after `rtt_ms` (per-broker, unlike set_rtt).
  /// With api_key 0 (Produce) followed by broker_down this loses acks of
  /// records the broker already stored: the idempotence test case.
  void delay_responses(std::int32_t broker_id, std::int16_t api_key, int count, int rtt_ms);
  /// Metadata for `topic` reports `err` until reset with NO_ERROR.
  void topic_error(const std::string& topic, rd_kafka_resp_err_t err);
  void create_topic(const std::string& topic, int partitions, int replication_factor = 1);
  void partition_leader(const std::string& topic, std::int32_t partition, std::int32_t broker_id);
  /// Coordinator for a consumer group ("group") or transactional id ("transaction").
  void set_coordinator(const std::string& key_type, const std::string& key, std::int32_t broker_id);

  rd_kafka_mock_cluster_t* raw() const noexcept { return mcluster_.get(); }

 private:
  struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
  };
  struct ClusterDeleter {
    void operator()(rd_kafka_mock_cluster_t* m) const noexcept { rd_kafka_mock_cluster_destroy(m); }
  };
  int brokers_;
  // Declaration order matters: the cluster is destroyed before its host handle.
  std::unique_ptr<rd_kafka_t, HandleDeleter> host_;
  std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter> mcluster_;
  std::string bootstrap_;
};

}  // namespace caas::devbroker
