#include <caas/devbroker/testing.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <stdexcept>

namespace caas::devbroker::testing {
namespace {

using Clock = std::chrono::steady_clock;

kafka::Consumer make_reader(const std::string& bootstrap) {
  kafka::ClientConfig config{bootstrap, "caas-devbroker-testing", {}};
  return kafka::Consumer(config, kafka::ConsumerOptions{});
}

void sort_records(std::vector<kafka::ConsumedRecord>& records) {
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
}

}  // namespace

std::vector<kafka::ConsumedRecord> consume_all(const std::string& bootstrap, const std::string& topic,
                                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto consumer = make_reader(bootstrap);
  auto marks = consumer.query_watermarks(topic, timeout);
  if (!marks) throw std::runtime_error("consume_all " + topic + ": " + marks.error().message);
  std::map<std::int32_t, std::int64_t> remaining_end;  // partition -> high watermark
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (const auto& w : *marks) {
    if (w.high > w.low) {
      remaining_end[w.partition] = w.high;
      assignment.push_back({topic, w.partition, w.low});
    }
  }
  std::vector<kafka::ConsumedRecord> out;
  if (assignment.empty()) return out;
  if (auto r = consumer.assign(assignment); !r) {
    throw std::runtime_error("consume_all assign: " + r.error().message);
  }
  while (!remaining_end.empty()) {
    const auto now = Clock::now();
    if (now >= deadline) {
      throw std::runtime_error("consume_all " + topic + ": end not reached before deadline (" +
                               std::to_string(out.size()) + " records read)");
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    auto msg = consumer.poll(std::min(left, std::chrono::milliseconds{200}));
    if (!msg || msg->error()) continue;
    auto it = remaining_end.find(msg->partition());
    if (it == remaining_end.end() || msg->offset() >= it->second) continue;
    out.push_back(msg->to_record());
    if (msg->offset() + 1 >= it->second) remaining_end.erase(it);
  }
  sort_records(out);
  return out;
}

std::vector<kafka::ConsumedRecord> consume_at_least(const std::string& bootstrap, const std::string& topic,
                                                    std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto consumer = make_reader(bootstrap);
  std::vector<kafka::ConsumedRecord> out;
  auto ids = consumer.list_partitions(topic, timeout);
  if (!ids) return out;
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (auto p : *ids) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  if (!consumer.assign(assignment)) return out;
  while (out.size() < count) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    auto msg = consumer.poll(std::min(left, std::chrono::milliseconds{200}));
    if (msg && !msg->error()) out.push_back(msg->to_record());
  }
  sort_records(out);
  return out;
}

void produce_all(const std::string& bootstrap, const std::vector<kafka::Record>& records,
                 std::chrono::milliseconds timeout) {
  kafka::Producer producer(kafka::ClientConfig{bootstrap, "caas-devbroker-testing", {}});
  std::atomic<std::size_t> failures{0};
  for (const auto& r : records) {
    auto status = producer.send(r, [&failures](const kafka::DeliveryReport& rep) {
      if (!rep.ok()) failures.fetch_add(1);
    });
    if (status != kafka::SendStatus::queued) throw std::runtime_error("produce_all: not queued");
  }
  if (!producer.flush(timeout)) throw std::runtime_error("produce_all: flush timed out");
  if (failures.load() != 0) {
    throw std::runtime_error("produce_all: " + std::to_string(failures.load()) + " failed");
  }
}

}  // namespace caas::devbroker::testing
