#pragma once
// The platform's only Kafka producer: idempotent (acks=all, no duplicates or
// reordering on retry), murmur2_random partitioner (agrees with Java/JS/Python
// clients on key -> partition), bounded local queue that reports backpressure
// instead of growing.

#include <caas/kafka/config.hpp>
#include <caas/kafka/error.hpp>
#include <caas/kafka/record.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace caas::kafka {

struct ProducerOptions {
  /// queue.buffering.max.messages: records accepted but not yet acknowledged.
  /// send() returns SendStatus::queue_full beyond it.
  std::size_t max_queue_messages = 100000;
  /// linger.ms: small batching delay; throughput vs latency. Microseconds:
  /// librdkafka takes fractions of a millisecond, and a server waiting for
  /// each acknowledgement feels every one of them.
  std::chrono::microseconds linger{5000};
  /// message.timeout.ms (delivery.timeout.ms): after this a record fails with
  /// RD_KAFKA_RESP_ERR__MSG_TIMED_OUT (retriable). 0 = infinite.
  std::chrono::milliseconds delivery_timeout{120000};
  /// How long the destructor waits for outstanding records before purging.
  std::chrono::milliseconds close_timeout{10000};
  /// statistics.interval.ms; 0 disables. Needs on_stats.
  std::chrono::milliseconds stats_interval{0};
  StatsCallback on_stats{};
  /// Where callbacks (delivery, stats) run. false: on the producer's own poll
  /// thread. true: on the owner's event loop, which watches
  /// delivery_event_fd() and calls serve_deliveries() when it becomes
  /// readable. That saves a thread hand-off (a futex wake and a context
  /// switch) per acknowledged batch, and lets a server answer from the thread
  /// that owns the connection.
  bool serve_on_event_loop = false;
  /// librdkafka's own threads (broker I/O, main) run as SCHED_BATCH: waking
  /// them (a new record, a broker response) does not preempt the thread that
  /// serves requests; they run when it waits or at the next scheduler tick,
  /// still with their fair share of the CPU. For a server that shares one
  /// core with its Kafka client; it trades ~a tick of latency under full load
  /// for far fewer context switches.
  bool batch_scheduled_threads = false;
};

class Producer final : public RecordSink {
 public:
  /// Throws std::runtime_error on invalid configuration.
  explicit Producer(const ClientConfig& config, ProducerOptions options = {});
  /// flush(close_timeout), then purge what is left (their callbacks run with
  /// RD_KAFKA_RESP_ERR__PURGE_QUEUE / __PURGE_INFLIGHT), then stop the poll thread.
  ~Producer() override;
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  /// Non-blocking. queued: `on_delivery` runs exactly once on the poll thread.
  /// queue_full: local queue at its bound (backpressure, retry later).
  /// rejected: permanent local error (unknown partition, too large, closing).
  /// Callbacks must not block for long and must not call flush().
  SendStatus send(Record record, DeliveryCallback on_delivery) override;

  /// send() as a future. Never blocks: when the record is not queued the
  /// future is already ready, carrying __QUEUE_FULL or the rejection error.
  std::future<DeliveryReport> send_async(Record record);

  /// Waits until every queued record has been acknowledged or failed (its
  /// callback has run). Returns false on timeout. Not from a callback. With
  /// serve_on_event_loop it serves callbacks itself while it waits (on the
  /// calling thread), so it also works once the event loop has stopped.
  bool flush(std::chrono::milliseconds timeout);

  /// serve_on_event_loop only (else -1): a non-blocking descriptor that
  /// becomes readable when callbacks are waiting. Owned by the producer.
  int delivery_event_fd() const noexcept { return event_fd_.get(); }
  /// serve_on_event_loop only: empties delivery_event_fd() and runs every
  /// waiting callback on the calling thread. Returns how many events it
  /// served. Call it each time the descriptor becomes readable
  /// (edge-triggered watching is fine: it reads the descriptor dry).
  int serve_deliveries();

  /// Records accepted but whose callback has not run yet.
  std::size_t queue_depth() const noexcept;
  /// True when the local queue is >= 90 % full: callers should stop intake
  /// (HTTP 503 / pause partitions) before send() starts returning queue_full.
  bool backpressured() const noexcept;

  /// Asks a broker for metadata with a short deadline: usable by /readyz.
  /// Blocks up to `timeout`.
  bool connected(std::chrono::milliseconds timeout = std::chrono::milliseconds{1000});
  /// Fetches the partitions of `topics` now, so the first send() to each
  /// does not wait for a metadata round trip (the first webhook after a
  /// start otherwise waited up to a second). Returns the topics it could not
  /// learn within `timeout` (in all); sending to them still works, later.
  std::vector<std::string> warm_up(const std::vector<std::string>& topics,
                                   std::chrono::milliseconds timeout = std::chrono::milliseconds{2000});
  /// Cheap, non-blocking hint: false after librdkafka reported
  /// __ALL_BROKERS_DOWN until a broker answered again (a delivery succeeded
  /// or connected() succeeded).
  bool brokers_reachable_hint() const noexcept { return !all_brokers_down_.load(); }

  /// The broker's view of the most recent error reported by librdkafka's
  /// error callback (empty if none); for logs/diagnostics.
  std::string last_client_error() const;

 private:
  struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const noexcept;
  };
  // Closes a descriptor once.
  class OwnedFd {
   public:
    OwnedFd() = default;
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    ~OwnedFd();
    int get() const noexcept { return fd_; }
    void reset(int fd) noexcept;

   private:
    int fd_ = -1;
  };
  struct SendOutcome;
  SendOutcome send_impl(Record& record, DeliveryCallback& on_delivery);
  void poll_loop();
  void on_delivered() noexcept;
  static void delivery_trampoline(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void error_trampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static int stats_trampoline(rd_kafka_t* rk, char* json, std::size_t len, void* opaque);
  static rd_kafka_resp_err_t on_new_trampoline(rd_kafka_t* rk, const rd_kafka_conf_t* conf, void* opaque, char* errstr,
                                               std::size_t errstr_size);
  static rd_kafka_resp_err_t on_thread_start_trampoline(rd_kafka_t* rk, rd_kafka_thread_type_t type, const char* name,
                                                        void* opaque);

  ProducerOptions options_;
  OwnedFd event_fd_;  // declared before rk_: librdkafka writes to it until destroyed
  std::unique_ptr<rd_kafka_t, HandleDeleter> rk_;
  std::atomic<bool> closing_{false};
  std::atomic<bool> stop_poll_{false};
  std::atomic<bool> all_brokers_down_{false};
  std::atomic<std::size_t> in_flight_{0};
  mutable std::mutex mutex_;  // guards last_error_, pairs with drained_
  std::condition_variable drained_;
  std::string last_error_;
  std::thread poll_thread_;
};

}  // namespace caas::kafka
