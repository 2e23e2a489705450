#pragma once
// Waits for a condition that another thread or process makes true, re-checking
// it every few milliseconds until a deadline. For state that offers no
// notification to block on (a counter inside a service); everything that can
// be waited on directly (futures, child output, relay stats) should be.

#include <chrono>
#include <thread>

namespace caas::testing {

template <class Predicate>
bool eventually(Predicate&& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace caas::testing
