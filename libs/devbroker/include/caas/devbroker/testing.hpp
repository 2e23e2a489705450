#pragma once
// Helpers for component/acceptance tests that need to look at what landed in
// a topic. Every call is bounded by a deadline; nothing sleeps.

#include <caas/kafka/consumer.hpp>
#include <caas/kafka/producer.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace caas::devbroker::testing {

/// Everything in `topic` from the beginning up to the high watermarks as of
/// the call (replay mode, no group), ordered per partition; partitions in
/// ascending order. Throws std::runtime_error if the end is not reached
/// within `timeout`.
std::vector<kafka::ConsumedRecord> consume_all(const std::string& bootstrap, const std::string& topic,
                                               std::chrono::milliseconds timeout = std::chrono::milliseconds{10000});

/// Reads `topic` from the beginning until at least `count` records arrived
/// (records may still be being produced). Returns what it has at the
/// deadline, which may be fewer (the caller's REQUIRE states the
/// expectation).
std::vector<kafka::ConsumedRecord> consume_at_least(const std::string& bootstrap, const std::string& topic,
                                                    std::size_t count,
                                                    std::chrono::milliseconds timeout = std::chrono::milliseconds{
                                                        10000});

/// Produces records and waits for every acknowledgement; throws
/// std::runtime_error on any failure or timeout.
void produce_all(const std::string& bootstrap, const std::vector<kafka::Record>& records,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds{10000});

}  // namespace caas::devbroker::testing
