#pragma once
// Private RAII holders and configuration helpers shared by the kafka sources.

#include <caas/kafka/config.hpp>

#include <librdkafka/rdkafka.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace caas::kafka::detail {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct TplDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const noexcept { rd_kafka_topic_partition_list_destroy(l); }
};
using TplPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, TplDeleter>;

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const noexcept { rd_kafka_topic_destroy(t); }
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const noexcept { rd_kafka_metadata_destroy(m); }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* h) const noexcept { rd_kafka_headers_destroy(h); }
};
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const noexcept { rd_kafka_queue_destroy(q); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

/// Sets one property; throws std::invalid_argument naming it on failure.
inline void conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    throw std::invalid_argument("kafka config " + key + ": " + errstr);
  }
}

/// A new conf with bootstrap.servers and client.id from `config` (overrides
/// are NOT applied: callers set their defaults first, then apply_overrides).
inline ConfPtr make_conf(const ClientConfig& config) {
  ConfPtr conf{rd_kafka_conf_new()};
  if (!config.bootstrap.empty()) conf_set(conf.get(), "bootstrap.servers", config.bootstrap);
  if (!config.client_id.empty()) conf_set(conf.get(), "client.id", config.client_id);
  return conf;
}

inline void apply_overrides(rd_kafka_conf_t* conf, const ClientConfig& config) {
  for (const auto& [k, v] : config.overrides) conf_set(conf, k, v);
}

/// rd_kafka_new taking ownership of `conf` on success; throws on failure.
inline rd_kafka_t* new_handle(rd_kafka_type_t type, ConfPtr conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) throw std::runtime_error(std::string("rd_kafka_new: ") + errstr);
  (void)conf.release();  // now owned by rk
  return rk;
}

}  // namespace caas::kafka::detail
