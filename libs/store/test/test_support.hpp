#pragma once
// Test helpers: a temp directory removed on destruction, and a fake RecordSink.

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "caas/kafka/record.hpp"

namespace caas::store::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("caas-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

inline kafka::Record make_record(const std::string& value, const std::string& key = "k") {
  kafka::Record r;
  r.topic = "caas.test.v1";
  r.key = key;
  r.value = value;
  r.headers = {{"ce_id", value}};
  return r;
}

/// A RecordSink without a broker. `send_policy` decides the SendStatus;
/// accepted records are delivered by a background thread in FIFO order (like
/// librdkafka's delivery thread) with the outcome from `deliver_policy`, or
/// held until release() when `manual` is set.
class FakeSink : public kafka::RecordSink {
 public:
  explicit FakeSink(bool manual = false) : manual_(manual) {
    if (!manual_) worker_ = std::thread([this] { deliver_loop(); });
  }
  ~FakeSink() override {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  std::function<kafka::SendStatus(const kafka::Record&)> send_policy;  // default: queued
  std::function<bool(const kafka::Record&)> deliver_policy;            // default: success
  /// Emulates librdkafka's idempotent producer: once a record fails, every
  /// later record fails too until the failed one is produced again.
  bool cascade_failures = true;

  kafka::SendStatus send(kafka::Record record, kafka::DeliveryCallback on_delivery) override {
    std::lock_guard lock(mu_);
    ++send_calls_;
    const auto status = send_policy ? send_policy(record) : kafka::SendStatus::queued;
    if (status != kafka::SendStatus::queued) return status;
    if (failed_values_.count(record.value) != 0) {  // the producer's re-send after a failure
      failing_ = false;
      failed_values_.clear();
    }
    accepted_.push_back(record.value);
    queue_.push_back(Pending{std::move(record), std::move(on_delivery)});
    cv_.notify_all();
    return status;
  }

  /// Manual mode: deliver the oldest `n` pending records successfully.
  void release(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      Pending p;
      {
        std::lock_guard lock(mu_);
        if (queue_.empty()) return;
        p = std::move(queue_.front());
        queue_.pop_front();
        delivered_.push_back(p.record.value);
      }
      kafka::DeliveryReport ok;
      ok.topic = p.record.topic;
      p.callback(ok);
    }
  }

  std::vector<std::string> accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  std::vector<std::string> delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }
  std::size_t send_calls() const {
    std::lock_guard lock(mu_);
    return send_calls_;
  }

 private:
  struct Pending {
    kafka::Record record;
    kafka::DeliveryCallback callback;
  };

  void deliver_loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing and nothing left
      Pending p = std::move(queue_.front());
      queue_.pop_front();
      bool ok = !(deliver_policy && !deliver_policy(p.record));
      if (cascade_failures && failing_) ok = false;
      if (!ok) {
        failing_ = cascade_failures;  // fail everything until the failed record is re-sent
        failed_values_.insert(p.record.value);
      }
      if (ok) delivered_.push_back(p.record.value);
      lock.unlock();
      kafka::DeliveryReport report;
      report.topic = p.record.topic;
      if (!ok) {
        report.error = std::make_error_code(std::errc::timed_out);
        report.message = "fake delivery failure";
      }
      p.callback(report);
      lock.lock();
    }
  }

  bool manual_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::vector<std::string> accepted_;
  std::vector<std::string> delivered_;
  std::size_t send_calls_ = 0;
  bool failing_ = false;
  std::set<std::string> failed_values_;
  bool closing_ = false;
  std::thread worker_;
};

}  // namespace caas::store::test
