#include <catch2/catch.hpp>

#include <thread>

#include "caas/resilience/circuit_breaker.hpp"

using namespace caas::resilience;
using namespace std::chrono_literals;

namespace {
struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::steady_clock::time_point{} + 1h};
  CircuitBreaker::Clock fn() {
    return [this] { return now; };
  }
};
}  // namespace

TEST_CASE("breaker trips after consecutive failures and recovers via half-open", "[breaker]") {
  FakeClock clock;
  std::vector<std::pair<int, int>> changes;
  CircuitBreakerConfig cfg;
  cfg.consecutive_failures = 3;
  cfg.open_duration = 10s;
  CircuitBreaker cb(cfg, clock.fn(), [&](CircuitState f, CircuitState t) {
    changes.emplace_back(static_cast<int>(f), static_cast<int>(t));
  });

  REQUIRE(cb.allow());
  cb.record_failure();
  cb.record_failure();
  cb.record_success();  // resets the consecutive count
  cb.record_failure();
  cb.record_failure();
  CHECK(cb.state() == CircuitState::closed);
  cb.record_failure();
  CHECK(cb.state() == CircuitState::open);
  CHECK_FALSE(cb.allow());
  CHECK(cb.retry_in() == 10s);

  clock.now += 9999ms;
  CHECK_FALSE(cb.allow());
  clock.now += 1ms;
  CHECK(cb.state() == CircuitState::half_open);
  CHECK(cb.allow());        // the single probe
  CHECK_FALSE(cb.allow());  // others wait for its outcome
  cb.record_success();
  CHECK(cb.state() == CircuitState::closed);
  CHECK(cb.allow());
  CHECK(changes == std::vector<std::pair<int, int>>{{0, 1}, {1, 2}, {2, 0}});
}

TEST_CASE("a failed half-open probe reopens for a full period", "[breaker]") {
  FakeClock clock;
  CircuitBreakerConfig cfg;
  cfg.consecutive_failures = 1;
  cfg.open_duration = 5s;
  CircuitBreaker cb(cfg, clock.fn());
  cb.record_failure();
  CHECK(cb.state() == CircuitState::open);
  clock.now += 5s;
  REQUIRE(cb.allow());
  cb.record_failure();
  CHECK(cb.state() == CircuitState::open);
  clock.now += 4s;
  CHECK_FALSE(cb.allow());
  clock.now += 1s;
  CHECK(cb.allow());
}

TEST_CASE("half-open needs the configured number of successes", "[breaker]") {
  FakeClock clock;
  CircuitBreakerConfig cfg;
  cfg.consecutive_failures = 1;
  cfg.open_duration = 1s;
  cfg.half_open_probes = 2;
  cfg.half_open_successes = 2;
  CircuitBreaker cb(cfg, clock.fn());
  cb.record_failure();
  clock.now += 1s;
  CHECK(cb.allow());
  CHECK(cb.allow());
  CHECK_FALSE(cb.allow());
  cb.record_success();
  CHECK(cb.state() == CircuitState::half_open);
  cb.record_success();
  CHECK(cb.state() == CircuitState::closed);
}

TEST_CASE("failure ratio over a count window trips the breaker", "[breaker]") {
  FakeClock clock;
  CircuitBreakerConfig cfg;
  cfg.consecutive_failures = 0;
  cfg.failure_ratio = 0.5;
  cfg.window_size = 10;
  cfg.min_calls = 10;
  CircuitBreaker cb(cfg, clock.fn());
  for (int i = 0; i < 4; ++i) {
    cb.record_failure();
    cb.record_success();
  }
  cb.record_success();
  CHECK(cb.state() == CircuitState::closed);  // 4/9, window not yet full
  cb.record_failure();                        // 5/10 = 0.5
  CHECK(cb.state() == CircuitState::open);
}

TEST_CASE("invalid configuration is refused at construction", "[breaker]") {
  CircuitBreakerConfig cfg;
  cfg.half_open_probes = 0;
  CHECK_THROWS_AS(CircuitBreaker(cfg), std::invalid_argument);
  CircuitBreakerConfig none;
  none.consecutive_failures = 0;
  CHECK_THROWS_AS(CircuitBreaker(none), std::invalid_argument);
}

TEST_CASE("breaker is safe under concurrent use", "[breaker]") {
  FakeClock clock;
  CircuitBreakerConfig cfg;
  cfg.consecutive_failures = 1000000;
  CircuitBreaker cb(cfg, clock.fn());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cb, t] {
      for (int i = 0; i < 2000; ++i) {
        if (cb.allow()) (i + t) % 2 ? cb.record_success() : cb.record_failure();
      }
    });
  for (auto& th : threads) th.join();
  CHECK(cb.state() == CircuitState::closed);
}
