#include <caas/service/shutdown.hpp>

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <thread>

using caas::service::ShutdownSignal;
using namespace std::chrono_literals;

TEST_CASE("ShutdownSignal: request() wakes a waiter on another thread", "[service]") {
  ShutdownSignal signals;
  std::thread t([&] { signals.request(); });
  REQUIRE(signals.wait_for(5s) == 0);
  t.join();
}

TEST_CASE("ShutdownSignal: times out when nothing happens", "[service]") {
  ShutdownSignal signals;
  REQUIRE_FALSE(signals.wait_for(20ms).has_value());
}

TEST_CASE("ShutdownSignal: SIGTERM is received as an event, not a kill", "[service]") {
  ShutdownSignal signals;
  REQUIRE(::kill(::getpid(), SIGTERM) == 0);
  REQUIRE(signals.wait_for(5s) == SIGTERM);
}
