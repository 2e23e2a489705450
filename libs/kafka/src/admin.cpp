#include <caas/kafka/admin.hpp>

#include "rk_util.hpp"

#include <algorithm>
#include <map>

namespace caas::kafka {
namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const noexcept { rd_kafka_NewTopic_destroy(t); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const noexcept { rd_kafka_AdminOptions_destroy(o); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const noexcept { rd_kafka_event_destroy(e); }
};

}  // namespace

void TopicAdmin::HandleDeleter::operator()(rd_kafka_t* rk) const noexcept {
  rd_kafka_destroy(rk);
}

TopicAdmin::TopicAdmin(const ClientConfig& config, TopicAdminOptions options) : options_(options) {
  auto conf = detail::make_conf(config);
  detail::apply_overrides(conf.get(), config);
  rk_.reset(detail::new_handle(RD_KAFKA_PRODUCER, std::move(conf)));
}

TopicAdmin::~TopicAdmin() = default;

std::vector<TopicEnsureResult> TopicAdmin::ensure_topics(const TopicTable& table) {
  std::vector<TopicEnsureResult> results;
  results.reserve(table.topics.size());
  const int timeout_ms = static_cast<int>(options_.timeout.count());

  const rd_kafka_metadata_t* raw_md = nullptr;
  const auto md_err = rd_kafka_metadata(rk_.get(), 1, nullptr, &raw_md, timeout_ms);
  detail::MetadataPtr md{raw_md};
  if (md_err) {
    for (const auto& spec : table.topics) {
      results.push_back({spec.name, TopicEnsureResult::Status::failed, make_error_code(md_err),
                         std::string("metadata: ") + rd_kafka_err2str(md_err), 0});
    }
    return results;
  }
  std::map<std::string, int, std::less<>> existing;  // name -> partition count
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR) existing.emplace(t.topic, t.partition_cnt);
  }
  const int brokers = md->broker_cnt;

  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>> to_create;
  std::map<std::string, std::size_t, std::less<>> index;  // name -> results index
  for (const auto& spec : table.topics) {
    TopicEnsureResult r{spec.name, TopicEnsureResult::Status::existed, {}, {}, 0};
    if (auto it = existing.find(spec.name); it != existing.end()) {
      r.existing_partitions = it->second;
      if (it->second != spec.partitions) {
        r.message = "has " + std::to_string(it->second) + " partitions, table says " + std::to_string(spec.partitions) +
                    " (not changed)";
      }
      results.push_back(std::move(r));
      continue;
    }
    int rf = spec.replication_factor;
    int isr = spec.min_insync_replicas;
    if (options_.cap_replication_to_brokers) {
      rf = std::clamp(rf, 1, std::max(brokers, 1));
      isr = std::clamp(isr, 1, rf);
    }
    char errstr[512];
    std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> nt{
        rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, rf, errstr, sizeof errstr)};
    if (!nt) {
      r.status = TopicEnsureResult::Status::failed;
      r.error = make_error_code(RD_KAFKA_RESP_ERR__INVALID_ARG);
      r.message = errstr;
      results.push_back(std::move(r));
      continue;
    }
    rd_kafka_NewTopic_set_config(nt.get(), "retention.ms", std::to_string(spec.retention_ms).c_str());
    rd_kafka_NewTopic_set_config(nt.get(), "min.insync.replicas", std::to_string(isr).c_str());
    r.status = TopicEnsureResult::Status::failed;  // until the broker says otherwise
    r.error = make_error_code(RD_KAFKA_RESP_ERR__TIMED_OUT);
    r.message = "no CreateTopics result";
    index.emplace(spec.name, results.size());
    results.push_back(std::move(r));
    to_create.push_back(std::move(nt));
  }
  if (to_create.empty()) return results;

  std::vector<rd_kafka_NewTopic_t*> raw;
  for (auto& nt : to_create) raw.push_back(nt.get());
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> opts{
      rd_kafka_AdminOptions_new(rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS)};
  char errstr[512];
  rd_kafka_AdminOptions_set_operation_timeout(opts.get(), timeout_ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_request_timeout(opts.get(), timeout_ms, errstr, sizeof errstr);
  detail::QueuePtr queue{rd_kafka_queue_new(rk_.get())};
  rd_kafka_CreateTopics(rk_.get(), raw.data(), raw.size(), opts.get(), queue.get());
  // The request carries its own timeout; wait a little longer than it.
  std::unique_ptr<rd_kafka_event_t, EventDeleter> ev{rd_kafka_queue_poll(queue.get(), timeout_ms + 5000)};
  if (!ev) return results;
  if (auto err = rd_kafka_event_error(ev.get())) {
    for (auto& [name, i] : index) {
      results[i].error = make_error_code(err);
      results[i].message = rd_kafka_event_error_string(ev.get());
    }
    return results;
  }
  const auto* res = rd_kafka_event_CreateTopics_result(ev.get());
  std::size_t cnt = 0;
  const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &cnt);
  for (std::size_t k = 0; k < cnt; ++k) {
    auto it = index.find(rd_kafka_topic_result_name(topics[k]));
    if (it == index.end()) continue;
    auto& r = results[it->second];
    const auto err = rd_kafka_topic_result_error(topics[k]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      r = {r.topic, TopicEnsureResult::Status::created, {}, {}, 0};
    } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      r = {r.topic, TopicEnsureResult::Status::existed, {}, "created concurrently", 0};
    } else {
      const char* detail = rd_kafka_topic_result_error_string(topics[k]);
      r.error = make_error_code(err);
      r.message = detail ? detail : rd_kafka_err2str(err);
    }
  }
  return results;
}

}  // namespace caas::kafka
