#pragma once
// Makes a real cluster match the topic table: creates missing topics with the
// table's partitions, replication factor, retention.ms and
// min.insync.replicas. Never alters or deletes existing topics; a partition
// count that differs from the table is reported, not fixed.

#include <caas/kafka/config.hpp>
#include <caas/kafka/error.hpp>
#include <caas/kafka/topics.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace caas::kafka {

struct TopicEnsureResult {
  enum class Status { existed, created, failed };
  std::string topic;
  Status status = Status::failed;
  std::error_code error;        // set when failed
  std::string message;          // detail, or a warning for existed topics
  int existing_partitions = 0;  // for existed: what the broker has
};

struct TopicAdminOptions {
  std::chrono::milliseconds timeout{30000};
  /// Lower replication factor / min.insync.replicas to the broker count
  /// (single-broker dev clusters). Off for production.
  bool cap_replication_to_brokers = false;
};

class TopicAdmin {
 public:
  /// Throws on bad configuration.
  explicit TopicAdmin(const ClientConfig& config, TopicAdminOptions options = {});
  ~TopicAdmin();
  TopicAdmin(const TopicAdmin&) = delete;
  TopicAdmin& operator=(const TopicAdmin&) = delete;

  /// One result per table entry, in table order. TOPIC_ALREADY_EXISTS from a
  /// concurrent creator counts as existed.
  std::vector<TopicEnsureResult> ensure_topics(const TopicTable& table);

 private:
  struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const noexcept;
  };
  TopicAdminOptions options_;
  std::unique_ptr<rd_kafka_t, HandleDeleter> rk_;
};

}  // namespace caas::kafka
