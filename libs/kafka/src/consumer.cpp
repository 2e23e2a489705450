#include <caas/kafka/consumer.hpp>

#include "rk_util.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

namespace caas::kafka {
namespace {

Error kafka_error(rd_kafka_resp_err_t err, std::string what) {
  return Error{make_error_code(err), std::move(what) + ": " + rd_kafka_err2str(err)};
}

Error from_rd_error(rd_kafka_error_t* error, const std::string& what) {
  // rd_kafka_error_t is a newer error object; flatten and free it.
  Error e{make_error_code(rd_kafka_error_code(error)), what + ": " + rd_kafka_error_string(error)};
  rd_kafka_error_destroy(error);
  return e;
}

detail::TplPtr to_list(const std::vector<TopicPartition>& tps) {
  detail::TplPtr list{rd_kafka_topic_partition_list_new(static_cast<int>(tps.size()))};
  for (const auto& tp : tps) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  return list;
}

detail::TplPtr to_list(const std::vector<TopicPartitionOffset>& tps) {
  detail::TplPtr list{rd_kafka_topic_partition_list_new(static_cast<int>(tps.size()))};
  for (const auto& tp : tps) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = tp.offset;
  }
  return list;
}

std::vector<TopicPartitionOffset> from_list(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartitionOffset> out;
  if (list == nullptr) return out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    out.push_back({e.topic, e.partition, e.offset});
  }
  return out;
}

/// First per-partition error in a list librdkafka filled in, if any.
Result<void> list_errors(const rd_kafka_topic_partition_list_t* list, const std::string& what) {
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err) {
      return kafka_error(e.err, what + " " + e.topic + "[" + std::to_string(e.partition) + "]");
    }
  }
  return ok();
}

}  // namespace

// ---------------------------------------------------------------- Message

Message::Message(rd_kafka_message_t* msg) : msg_(msg) {
  rd_kafka_headers_t* hdrs = nullptr;  // owned by the message
  if (msg_ && msg_->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
      rd_kafka_message_headers(msg_.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      headers_.push_back({name, value ? std::string(static_cast<const char*>(value), size) : std::string{}});
    }
  }
}

std::error_code Message::error() const {
  return make_error_code(msg_->err);
}
std::string Message::error_message() const {
  return msg_->err ? rd_kafka_message_errstr(msg_.get()) : std::string{};
}
bool Message::is_partition_eof() const {
  return msg_->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
}
std::string_view Message::topic() const {
  return msg_->rkt ? std::string_view{rd_kafka_topic_name(msg_->rkt)} : std::string_view{};
}
std::int32_t Message::partition() const {
  return msg_->partition;
}
std::int64_t Message::offset() const {
  return msg_->offset;
}
std::string_view Message::key() const {
  return msg_->key ? std::string_view{static_cast<const char*>(msg_->key), msg_->key_len} : std::string_view{};
}
std::string_view Message::value() const {
  // For error events payload is the error string; only expose record values.
  if (msg_->err || msg_->payload == nullptr) return {};
  return {static_cast<const char*>(msg_->payload), msg_->len};
}
std::int64_t Message::timestamp_ms() const {
  rd_kafka_timestamp_type_t type{};
  return rd_kafka_message_timestamp(msg_.get(), &type);
}
ConsumedRecordView Message::view() const {
  return {topic(), partition(), offset(), key(), value(), headers_};
}
ConsumedRecord Message::to_record() const {
  return {std::string(topic()), partition(), offset(), std::string(key()), std::string(value()), headers_};
}

// ---------------------------------------------------------------- Consumer

void Consumer::HandleDeleter::operator()(rd_kafka_t* rk) const noexcept {
  // ~Consumer has already closed (or given up closing) with a deadline;
  // destroy must not start the unbounded close again.
  rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

Consumer::Consumer(const ClientConfig& config, ConsumerOptions options) : options_(std::move(options)) {
  auto conf = detail::make_conf(config);
  auto* c = conf.get();
  // librdkafka needs a group handle even for assign(); in replay mode use a
  // reserved group id that is never joined (subscribe/commit are refused below).
  detail::conf_set(c, "group.id", options_.group_id.empty() ? "caas.replay.unjoined" : options_.group_id);
  // Offsets are the application's business: commit only what was processed.
  detail::conf_set(c, "enable.auto.commit", "false");
  detail::conf_set(c, "enable.auto.offset.store", "false");
  detail::conf_set(c, "auto.offset.reset", options_.auto_offset_reset);
  detail::conf_set(c, "partition.assignment.strategy", options_.assignor);
  detail::conf_set(c, "enable.partition.eof", options_.enable_partition_eof ? "true" : "false");
  detail::conf_set(c, "session.timeout.ms", std::to_string(options_.session_timeout.count()));
  if (options_.stats_interval.count() > 0 && options_.on_stats) {
    detail::conf_set(c, "statistics.interval.ms", std::to_string(options_.stats_interval.count()));
    rd_kafka_conf_set_stats_cb(c, &Consumer::stats_trampoline);
  }
  detail::apply_overrides(c, config);
  rd_kafka_conf_set_rebalance_cb(c, &Consumer::rebalance_trampoline);
  rd_kafka_conf_set_opaque(c, this);
  rk_.reset(detail::new_handle(RD_KAFKA_CONSUMER, std::move(conf)));
  // One queue for everything: errors, logs and rebalances are served by poll().
  rd_kafka_poll_set_consumer(rk_.get());
}

Consumer::~Consumer() {
  close();
}

int Consumer::stats_trampoline(rd_kafka_t* /*rk*/, char* json, std::size_t len, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  try {
    self->options_.on_stats(std::string_view{json, len});
  } catch (...) {
    // Metrics must never break consumption.
  }
  return 0;  // librdkafka frees json
}

bool Consumer::close() {
  if (closed_ || !rk_) return closed_cleanly_;
  closed_ = true;
  // rd_kafka_consumer_close() waits for the group coordinator without a
  // deadline, so a service stopping while the brokers are gone would hang.
  // Close in the background instead, handle the revocation (on_revoked)
  // here, and stop waiting at the deadline. The queue carries events of every
  // kind (errors, commit results), so it is polled as events, not callbacks.
  detail::QueuePtr queue{rd_kafka_queue_new(rk_.get())};
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(rk_.get(), queue.get())) {
    rd_kafka_error_destroy(error);
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.close_timeout;
  constexpr auto kServeSlice = std::chrono::milliseconds{50};
  while (!rd_kafka_consumer_closed(rk_.get())) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), static_cast<int>(std::min(left, kServeSlice).count()));
    if (event == nullptr) continue;
    if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE) {
      on_rebalance(rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event));
    }
    rd_kafka_event_destroy(event);
  }
  closed_cleanly_ = true;
  return true;
}

Result<void> Consumer::subscribe(const std::vector<std::string>& topics) {
  if (options_.group_id.empty()) {
    return Error{make_error_code(RD_KAFKA_RESP_ERR__INVALID_ARG), "subscribe needs a group id"};
  }
  detail::TplPtr list{rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()))};
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(rk_.get(), list.get())) return kafka_error(err, "subscribe");
  return ok();
}

Result<void> Consumer::unsubscribe() {
  if (auto err = rd_kafka_unsubscribe(rk_.get())) return kafka_error(err, "unsubscribe");
  return ok();
}

Result<void> Consumer::assign(const std::vector<TopicPartitionOffset>& partitions) {
  auto list = to_list(partitions);
  if (auto err = rd_kafka_assign(rk_.get(), list.get())) return kafka_error(err, "assign");
  return ok();
}

Result<void> Consumer::unassign() {
  if (auto err = rd_kafka_assign(rk_.get(), nullptr)) return kafka_error(err, "unassign");
  return ok();
}

Result<std::vector<TopicPartition>> Consumer::assignment() const {
  rd_kafka_topic_partition_list_t* raw_list = nullptr;
  if (auto err = rd_kafka_assignment(rk_.get(), &raw_list)) return kafka_error(err, "assignment");
  detail::TplPtr list{raw_list};
  std::vector<TopicPartition> out;
  for (const auto& tpo : from_list(list.get())) out.push_back({tpo.topic, tpo.partition});
  return out;
}

std::optional<Message> Consumer::poll(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(timeout.count()));
  if (msg == nullptr) return std::nullopt;
  return Message{msg};
}

Result<void> Consumer::commit(const std::vector<TopicPartitionOffset>& offsets, bool async) {
  if (options_.group_id.empty()) {
    return Error{make_error_code(RD_KAFKA_RESP_ERR__INVALID_ARG), "commit needs a group id"};
  }
  auto list = to_list(offsets);
  if (auto err = rd_kafka_commit(rk_.get(), list.get(), async ? 1 : 0)) {
    return kafka_error(err, "commit");
  }
  if (!async) return list_errors(list.get(), "commit");
  return ok();
}

Result<void> Consumer::commit_message(const Message& msg, bool async) {
  return commit({{std::string(msg.topic()), msg.partition(), msg.offset() + 1}}, async);
}

Result<std::vector<TopicPartitionOffset>> Consumer::committed(const std::vector<TopicPartition>& partitions,
                                                              std::chrono::milliseconds timeout) {
  auto list = to_list(partitions);
  if (auto err = rd_kafka_committed(rk_.get(), list.get(), static_cast<int>(timeout.count()))) {
    return kafka_error(err, "committed");
  }
  return from_list(list.get());
}

Result<void> Consumer::pause(const std::vector<TopicPartition>& partitions) {
  auto list = to_list(partitions);
  if (auto err = rd_kafka_pause_partitions(rk_.get(), list.get())) return kafka_error(err, "pause");
  return list_errors(list.get(), "pause");
}

Result<void> Consumer::resume(const std::vector<TopicPartition>& partitions) {
  auto list = to_list(partitions);
  if (auto err = rd_kafka_resume_partitions(rk_.get(), list.get())) return kafka_error(err, "resume");
  return list_errors(list.get(), "resume");
}

Result<void> Consumer::seek(const TopicPartitionOffset& position, std::chrono::milliseconds timeout) {
  auto list = to_list(std::vector<TopicPartitionOffset>{position});
  if (auto* error = rd_kafka_seek_partitions(rk_.get(), list.get(), static_cast<int>(timeout.count()))) {
    return from_rd_error(error, "seek");
  }
  return list_errors(list.get(), "seek");
}

Result<std::vector<std::int32_t>> Consumer::list_partitions(const std::string& topic,
                                                            std::chrono::milliseconds timeout) {
  detail::TopicPtr rkt{rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr)};
  if (!rkt) return kafka_error(rd_kafka_last_error(), "topic " + topic);
  const rd_kafka_metadata_t* md = nullptr;
  auto err = rd_kafka_metadata(rk_.get(), 0, rkt.get(), &md, static_cast<int>(timeout.count()));
  detail::MetadataPtr holder{md};
  if (err) return kafka_error(err, "metadata " + topic);
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (topic != t.topic) continue;
    if (t.err) return kafka_error(t.err, "metadata " + topic);
    std::vector<std::int32_t> ids;
    for (int p = 0; p < t.partition_cnt; ++p) ids.push_back(t.partitions[p].id);
    return ids;
  }
  return kafka_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "metadata " + topic);
}

Result<std::vector<PartitionWatermarks>> Consumer::query_watermarks(const std::string& topic,
                                                                    std::chrono::milliseconds timeout) {
  auto ids = list_partitions(topic, timeout);
  if (!ids) return ids.error();
  std::vector<PartitionWatermarks> out;
  for (const auto p : *ids) {
    PartitionWatermarks w{p, 0, 0};
    if (auto err = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), p, &w.low, &w.high,
                                                    static_cast<int>(timeout.count()))) {
      return kafka_error(err, "watermarks " + topic + "[" + std::to_string(p) + "]");
    }
    out.push_back(w);
  }
  return out;
}

void Consumer::rebalance_trampoline(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                                    rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Consumer*>(opaque)->on_rebalance(err, partitions);
}

void Consumer::on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    auto assigned = from_list(partitions);
    for (auto& tpo : assigned) tpo.offset = kOffsetStored;
    if (options_.on_assigned) options_.on_assigned(assigned);
    auto list = to_list(assigned);
    if (cooperative) {
      if (auto* error = rd_kafka_incremental_assign(rk_.get(), list.get())) rd_kafka_error_destroy(error);
    } else {
      rd_kafka_assign(rk_.get(), list.get());
    }
    return;
  }
  // Revoke (or a rebalance error: librdkafka wants everything dropped).
  if (options_.on_revoked) {
    std::vector<TopicPartition> revoked;
    for (const auto& tpo : from_list(partitions)) revoked.push_back({tpo.topic, tpo.partition});
    options_.on_revoked(revoked);
  }
  if (cooperative) {
    if (auto* error = rd_kafka_incremental_unassign(rk_.get(), partitions)) rd_kafka_error_destroy(error);
  } else {
    rd_kafka_assign(rk_.get(), nullptr);
  }
}

}  // namespace caas::kafka
