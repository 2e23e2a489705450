#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

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

// Under contention the breaker must keep its counts exact: these tests let
// eight threads hammer one breaker from a common start, with the clock frozen
// so the only source of variation is the interleaving. A lost update of the
// failure count, a probe admitted twice or a transition taken by two threads
// at once breaks one of the checks below.
namespace {
constexpr int kThreads = 8;
constexpr int kCallsPerThread = 1000;

// Records transitions from whichever thread causes them (the listener runs
// outside the breaker's lock, so it needs its own).
struct TransitionLog {
  std::mutex mutex;
  std::vector<std::pair<CircuitState, CircuitState>> seen;
  CircuitBreaker::StateListener listener() {
    return [this](CircuitState from, CircuitState to) {
      std::lock_guard lock(mutex);
      seen.emplace_back(from, to);
    };
  }
};

// Runs `body` on kThreads threads released together; returns the sum of what
// each returned.
template <class Body>
int run_together(Body body) {
  std::latch start(kThreads);
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      total += body();
    });
  for (auto& th : threads) th.join();
  return total.load();
}
}  // namespace

TEST_CASE("under contention the breaker trips once, after exactly the threshold of failures", "[breaker]") {
  FakeClock clock;
  TransitionLog log;
  CircuitBreakerConfig cfg;
  cfg.consecutive_failures = 5;
  CircuitBreaker cb(cfg, clock.fn(), log.listener());
  const int admitted = run_together([&] {
    int mine = 0;
    for (int i = 0; i < kCallsPerThread; ++i) {
      if (!cb.allow()) continue;
      ++mine;
      cb.record_failure();
    }
    return mine;
  });
  // Every admitted call failed. The breaker opens at the 5th failure; calls
  // admitted before that but reported after it are at most one per other
  // thread, and nothing is admitted once it is open (the clock is frozen).
  CHECK(admitted >= cfg.consecutive_failures);
  CHECK(admitted <= cfg.consecutive_failures + kThreads - 1);
  CHECK(cb.state() == CircuitState::open);
  CHECK(log.seen == std::vector<std::pair<CircuitState, CircuitState>>{{CircuitState::closed, CircuitState::open}});
}

TEST_CASE("under contention half-open admits exactly the configured probes", "[breaker]") {
  FakeClock clock;
  TransitionLog log;
  CircuitBreakerConfig cfg;
  cfg.consecutive_failures = 1;
  cfg.open_duration = 1s;
  cfg.half_open_probes = 3;
  cfg.half_open_successes = 3;
  CircuitBreaker cb(cfg, clock.fn(), log.listener());
  cb.record_failure();
  clock.now += 1s;  // every thread's first allow() races to move open -> half-open
  const int admitted = run_together([&] {
    int mine = 0;
    for (int i = 0; i < kCallsPerThread; ++i) mine += cb.allow() ? 1 : 0;
    return mine;
  });
  CHECK(admitted == cfg.half_open_probes);  // 8,000 attempts, no outcome reported yet
  CHECK(cb.state() == CircuitState::half_open);

  // The admitted probes succeed, from as many threads: the third closes it.
  std::vector<std::thread> reporters;
  for (int i = 0; i < cfg.half_open_probes; ++i) reporters.emplace_back([&] { cb.record_success(); });
  for (auto& th : reporters) th.join();
  CHECK(cb.state() == CircuitState::closed);
  using S = CircuitState;
  CHECK(log.seen ==
        std::vector<std::pair<S, S>>{{S::closed, S::open}, {S::open, S::half_open}, {S::half_open, S::closed}});
}
