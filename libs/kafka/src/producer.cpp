#include <caas/kafka/producer.hpp>

#include "rk_util.hpp"

#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace caas::kafka {

namespace {
// "2", "0.25": linger.ms as librdkafka reads it (a float, in milliseconds).
std::string linger_ms_text(std::chrono::microseconds linger) {
  const auto us = std::max<std::int64_t>(linger.count(), 0);
  std::string text = std::to_string(us / 1000);
  if (const auto frac = us % 1000; frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    text += "." + digits;
  }
  return text;
}
}  // namespace

struct Producer::SendOutcome {
  SendStatus status;
  rd_kafka_resp_err_t err;
};

void Producer::HandleDeleter::operator()(rd_kafka_t* rk) const noexcept {
  rd_kafka_destroy(rk);
}

Producer::Producer(const ClientConfig& config, ProducerOptions options) : options_(std::move(options)) {
  auto conf = detail::make_conf(config);
  auto* c = conf.get();
  // Idempotence gives exactly-once-per-session on retry and keeps per-partition
  // order even with several requests in flight.
  detail::conf_set(c, "enable.idempotence", "true");
  detail::conf_set(c, "acks", "all");
  detail::conf_set(c, "partitioner", "murmur2_random");
  detail::conf_set(c, "linger.ms", linger_ms_text(options_.linger));
  detail::conf_set(c, "queue.buffering.max.messages", std::to_string(options_.max_queue_messages));
  detail::conf_set(c, "message.timeout.ms", std::to_string(options_.delivery_timeout.count()));
  if (options_.stats_interval.count() > 0 && options_.on_stats) {
    detail::conf_set(c, "statistics.interval.ms", std::to_string(options_.stats_interval.count()));
    rd_kafka_conf_set_stats_cb(c, &Producer::stats_trampoline);
  }
  detail::apply_overrides(c, config);
  rd_kafka_conf_set_dr_msg_cb(c, &Producer::delivery_trampoline);
  rd_kafka_conf_set_error_cb(c, &Producer::error_trampoline);
  rd_kafka_conf_set_opaque(c, this);
  if (options_.batch_scheduled_threads) {
    if (rd_kafka_conf_interceptor_add_on_new(c, "caas-batch-scheduling", &Producer::on_new_trampoline, nullptr) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("librdkafka: cannot add the thread-start interceptor");
    }
  }
  rk_.reset(detail::new_handle(RD_KAFKA_PRODUCER, std::move(conf)));
  if (options_.serve_on_event_loop) {
    event_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (event_fd_.get() < 0) throw std::system_error(errno, std::generic_category(), "eventfd for delivery reports");
    // librdkafka writes this 8-byte counter increment (what an eventfd takes)
    // whenever its main queue turns non-empty.
    static constexpr std::uint64_t kWakeUp = 1;
    detail::QueuePtr main_queue{rd_kafka_queue_get_main(rk_.get())};
    rd_kafka_queue_io_event_enable(main_queue.get(), event_fd_.get(), &kWakeUp, sizeof kWakeUp);
  } else {
    poll_thread_ = std::thread([this] { poll_loop(); });
  }
}

Producer::OwnedFd::~OwnedFd() {
  reset(-1);
}

void Producer::OwnedFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int Producer::serve_deliveries() {
  if (event_fd_.get() < 0) return 0;
  // One read empties an eventfd. Dry first, then serve: an event queued
  // after the read writes again.
  std::uint64_t count = 0;
  (void)!::read(event_fd_.get(), &count, sizeof count);
  return rd_kafka_poll(rk_.get(), 0);
}

Producer::~Producer() {
  closing_ = true;
  if (!flush(options_.close_timeout)) {
    // Staged shutdown: bounded drain above, then abort what is left. Purged
    // records get their callback with __PURGE_QUEUE/__PURGE_INFLIGHT.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    (void)flush(std::chrono::milliseconds{2000});
  }
  stop_poll_ = true;
  if (poll_thread_.joinable()) poll_thread_.join();
  // Serve anything that raced with the thread's exit.
  rd_kafka_poll(rk_.get(), 0);
}

void Producer::poll_loop() {
  while (!stop_poll_.load(std::memory_order_relaxed)) {
    // Returns as soon as an event was served; the timeout only bounds how
    // long shutdown waits for this thread.
    rd_kafka_poll(rk_.get(), 50);
  }
}

Producer::SendOutcome Producer::send_impl(Record& record, DeliveryCallback& on_delivery) {
  if (closing_) return {SendStatus::rejected, RD_KAFKA_RESP_ERR__DESTROY};
  detail::HeadersPtr headers{rd_kafka_headers_new(record.headers.size())};
  for (const auto& h : record.headers) {
    rd_kafka_header_add(headers.get(), h.key.data(), static_cast<ssize_t>(h.key.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  }
  // Heap-owned until librdkafka accepted the record; then it is the message
  // opaque, reclaimed exactly once in delivery_trampoline.
  auto callback = std::make_unique<DeliveryCallback>(std::move(on_delivery));
  const std::int32_t partition = record.partition.value_or(RD_KAFKA_PARTITION_UA);
  // An empty key is produced as a null key (random partition); values are
  // produced as-is (empty is not a tombstone).
  void* key_ptr = record.key.empty() ? nullptr : record.key.data();
  in_flight_.fetch_add(1);
  const rd_kafka_resp_err_t err =
      rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(record.topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_ptr, record.key.size()),
                        RD_KAFKA_V_VALUE(record.value.data(), record.value.size()), RD_KAFKA_V_HEADERS(headers.get()),
                        RD_KAFKA_V_OPAQUE(callback.get()), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Not accepted: we still own headers and callback; restore the callback so
    // send_async can report through it.
    on_delivery = std::move(*callback);
    on_delivered();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return {SendStatus::queue_full, err};
    return {SendStatus::rejected, err};
  }
  (void)headers.release();
  (void)callback.release();
  return {SendStatus::queued, err};
}

SendStatus Producer::send(Record record, DeliveryCallback on_delivery) {
  return send_impl(record, on_delivery).status;
}

std::future<DeliveryReport> Producer::send_async(Record record) {
  auto promise = std::make_shared<std::promise<DeliveryReport>>();
  auto future = promise->get_future();
  DeliveryCallback cb = [promise](const DeliveryReport& r) { promise->set_value(r); };
  const std::string topic = record.topic;
  const auto outcome = send_impl(record, cb);
  if (outcome.status != SendStatus::queued) {
    DeliveryReport report;
    report.error = make_error_code(outcome.err);
    report.message = rd_kafka_err2str(outcome.err);
    report.topic = topic;
    promise->set_value(std::move(report));
  }
  return future;
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  if (options_.serve_on_event_loop) {
    // No poll thread: serve here (the event loop may have stopped already).
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (in_flight_.load() != 0) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      rd_kafka_poll(rk_.get(), static_cast<int>(std::min<long long>(left, 10)));
    }
    return true;
  }
  std::unique_lock lock(mutex_);
  return drained_.wait_for(lock, timeout, [this] { return in_flight_.load() == 0; });
}

std::size_t Producer::queue_depth() const noexcept {
  return in_flight_.load();
}

bool Producer::backpressured() const noexcept {
  return in_flight_.load() * 10 >= options_.max_queue_messages * 9;
}

bool Producer::connected(std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  const auto err = rd_kafka_metadata(rk_.get(), 0, nullptr, &md, static_cast<int>(timeout.count()));
  detail::MetadataPtr holder{md};
  const bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR && md != nullptr && md->broker_cnt > 0;
  if (ok) all_brokers_down_ = false;
  return ok;
}

std::vector<std::string> Producer::warm_up(const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
  std::vector<std::string> unknown;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& topic : topics) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      unknown.push_back(topic);
      continue;
    }
    // The handle is the one producev() looks up by name; asking for its
    // metadata fills in its partitions.
    detail::TopicPtr handle{rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr)};
    const rd_kafka_metadata_t* md = nullptr;
    const auto err = handle ? rd_kafka_metadata(rk_.get(), 0, handle.get(), &md, static_cast<int>(left.count()))
                            : rd_kafka_last_error();
    detail::MetadataPtr holder{md};
    const bool known = err == RD_KAFKA_RESP_ERR_NO_ERROR && md != nullptr && md->topic_cnt == 1 &&
                       md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0;
    if (!known) unknown.push_back(topic);
  }
  return unknown;
}

std::string Producer::last_client_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void Producer::on_delivered() noexcept {
  if (in_flight_.fetch_sub(1) == 1) {
    std::lock_guard lock(mutex_);  // pairs with flush()'s predicate check
    drained_.notify_all();
  }
}

void Producer::delivery_trampoline(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  std::unique_ptr<DeliveryCallback> callback{static_cast<DeliveryCallback*>(msg->_private)};
  DeliveryReport report;
  report.error = make_error_code(msg->err);
  if (msg->err) {
    // Not rd_kafka_message_errstr(): for a producer's delivery report the
    // payload is the record, not a NUL-terminated error string (found by ASan).
    report.message = rd_kafka_err2str(msg->err);
  } else {
    self->all_brokers_down_ = false;
  }
  report.topic = rd_kafka_topic_name(msg->rkt);
  report.partition = msg->partition;
  report.offset = msg->offset;
  if (callback && *callback) {
    try {
      (*callback)(report);
    } catch (...) {
      // A throwing callback must not take the poll thread (and every other
      // record's delivery) down with it.
    }
  }
  self->on_delivered();
}

void Producer::error_trampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) self->all_brokers_down_ = true;
  std::string text = std::string(rd_kafka_err2name(code)) + ": " + (reason ? reason : "");
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    const auto fatal = rd_kafka_fatal_error(rk, buf, sizeof buf);
    text += std::string(" (fatal ") + rd_kafka_err2name(fatal) + ": " + buf + ")";
  }
  std::lock_guard lock(self->mutex_);
  self->last_error_ = std::move(text);
}

rd_kafka_resp_err_t Producer::on_new_trampoline(rd_kafka_t* rk, const rd_kafka_conf_t* /*conf*/, void* opaque,
                                                char* /*errstr*/, std::size_t /*errstr_size*/) {
  return rd_kafka_interceptor_add_on_thread_start(rk, "caas-batch-scheduling", &Producer::on_thread_start_trampoline,
                                                  opaque);
}

rd_kafka_resp_err_t Producer::on_thread_start_trampoline(rd_kafka_t* /*rk*/, rd_kafka_thread_type_t /*type*/,
                                                         const char* /*name*/, void* /*opaque*/) {
  // Runs on the new thread; pid 0 = this thread. Best effort: a kernel that
  // refuses leaves the thread as it was, which is only slower.
  const sched_param normal{};
  (void)sched_setscheduler(0, SCHED_BATCH, &normal);
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

int Producer::stats_trampoline(rd_kafka_t* /*rk*/, char* json, std::size_t len, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (self->options_.on_stats) {
    try {
      self->options_.on_stats(std::string_view{json, len});
    } catch (...) {
      // Metrics must never break delivery.
    }
  }
  return 0;  // librdkafka frees json
}

}  // namespace caas::kafka
