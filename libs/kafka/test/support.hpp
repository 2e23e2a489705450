#pragma once
// Shared helpers for the kafka component tests.

#include <caas/devbroker/mock_cluster.hpp>
#include <caas/kafka/consumer.hpp>
#include <caas/kafka/producer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>

namespace caas::kafka::test {

using namespace std::chrono_literals;

inline TopicTable one_topic(const std::string& name, int partitions) {
  TopicTable t;
  t.topics.push_back(TopicSpec{name, partitions, 3, 2, -1, "key", "test"});
  return t;
}

template <class T>
T get_within(std::future<T>& f, std::chrono::milliseconds timeout = 15s) {
  REQUIRE(f.wait_for(timeout) == std::future_status::ready);
  return f.get();
}

/// Polls until a record (not an event) arrives or the deadline passes.
inline std::optional<Message> next_record(Consumer& c, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = c.poll(100ms);
    if (m && !m->error()) return m;
  }
  return std::nullopt;
}

}  // namespace caas::kafka::test
