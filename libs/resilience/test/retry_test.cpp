#include <catch2/catch.hpp>

#include "caas/resilience/errors.hpp"
#include "caas/resilience/retry.hpp"

using namespace caas::resilience;
using ms = std::chrono::milliseconds;

namespace {
UniformRandom fixed_random(double v) {
  return [v] { return v; };
}

RetryPolicy simple(Backoff b, int retries, RetryPolicy::Options o = {}, UniformRandom r = fixed_random(0.5)) {
  return RetryPolicy({{ErrorClass::server_error, RetryRule{retries, b, false, false}}}, o, std::move(r));
}
}  // namespace

TEST_CASE("exponential backoff sequence is capped by max delay", "[retry]") {
  auto p = simple({Backoff::Kind::exponential, ms{100}, 2.0, ms{500}, Jitter::none}, 6);
  std::vector<long> delays;
  for (int attempt = 1; attempt <= 6; ++attempt) {
    auto d = p.next(ErrorClass::server_error, attempt, ms{0});
    REQUIRE(d.retry);
    delays.push_back(static_cast<long>(d.delay.count()));
  }
  CHECK(delays == std::vector<long>{100, 200, 400, 500, 500, 500});
  auto last = p.next(ErrorClass::server_error, 7, ms{0});
  CHECK_FALSE(last.retry);
  CHECK(last.give_up == RetryDecision::GiveUp::retries_exhausted);
}

TEST_CASE("fixed backoff repeats the initial delay", "[retry]") {
  auto p = simple({Backoff::Kind::fixed, ms{250}, 2.0, ms{10000}, Jitter::none}, 3);
  for (int a = 1; a <= 3; ++a) CHECK(p.next(ErrorClass::server_error, a, ms{0}).delay == ms{250});
}

TEST_CASE("full and equal jitter stay within bounds", "[retry]") {
  const Backoff full{Backoff::Kind::exponential, ms{1000}, 2.0, ms{60000}, Jitter::full};
  const Backoff equal{Backoff::Kind::exponential, ms{1000}, 2.0, ms{60000}, Jitter::equal};
  auto rng = make_uniform_random(42);
  auto pf = simple(full, 5, {}, rng);
  auto pe = simple(equal, 5, {}, rng);
  for (int i = 0; i < 200; ++i) {
    const int attempt = 1 + i % 5;
    const auto base = full.base_delay(attempt);
    auto f = pf.next(ErrorClass::server_error, attempt, ms{0}).delay;
    auto e = pe.next(ErrorClass::server_error, attempt, ms{0}).delay;
    CHECK(f >= ms{0});
    CHECK(f <= base);
    CHECK(e >= base / 2);
    CHECK(e <= base);
  }
  // Extremes of the injected random source.
  CHECK(simple(full, 1, {}, fixed_random(0.0)).next(ErrorClass::server_error, 1, ms{0}).delay == ms{0});
  CHECK(simple(equal, 1, {}, fixed_random(0.0)).next(ErrorClass::server_error, 1, ms{0}).delay == ms{500});
}

TEST_CASE("seeded random gives a reproducible jitter sequence", "[retry]") {
  const Backoff full{Backoff::Kind::exponential, ms{1000}, 2.0, ms{60000}, Jitter::full};
  auto a = simple(full, 5, {}, make_uniform_random(7));
  auto b = simple(full, 5, {}, make_uniform_random(7));
  for (int i = 1; i <= 5; ++i)
    CHECK(a.next(ErrorClass::server_error, i, ms{0}).delay == b.next(ErrorClass::server_error, i, ms{0}).delay);
}

TEST_CASE("overall deadline cuts retries off", "[retry]") {
  auto p = simple({Backoff::Kind::exponential, ms{1000}, 2.0, ms{60000}, Jitter::none}, 10, {0, ms{5000}});
  CHECK(p.next(ErrorClass::server_error, 1, ms{0}).retry);     // 0 + 1000 <= 5000
  CHECK(p.next(ErrorClass::server_error, 3, ms{1000}).retry);  // 1000 + 4000 == 5000
  auto d = p.next(ErrorClass::server_error, 3, ms{1001});      // would end at 5001
  CHECK_FALSE(d.retry);
  CHECK(d.give_up == RetryDecision::GiveUp::deadline_exceeded);
}

TEST_CASE("max attempts caps retries across classes", "[retry]") {
  auto p = simple({Backoff::Kind::fixed, ms{10}, 1.0, ms{10}, Jitter::none}, 10, {3, ms{0}});
  CHECK(p.next(ErrorClass::server_error, 2, ms{0}).retry);
  auto d = p.next(ErrorClass::server_error, 3, ms{0});
  CHECK_FALSE(d.retry);
  CHECK(d.give_up == RetryDecision::GiveUp::max_attempts);
}

TEST_CASE("factory order placement table (seed 000)", "[retry]") {
  auto p = factory_order_placement_policy({}, fixed_random(0.5));
  SECTION("network timeout: 3 retries at 1s, 2s, 4s") {
    for (auto cls : {ErrorClass::network, ErrorClass::timeout}) {
      CHECK(p.next(cls, 1, ms{0}).delay == ms{1000});
      CHECK(p.next(cls, 2, ms{1000}).delay == ms{2000});
      CHECK(p.next(cls, 3, ms{3000}).delay == ms{4000});
      auto d = p.next(cls, 4, ms{7000});
      CHECK_FALSE(d.retry);
      CHECK(d.give_up == RetryDecision::GiveUp::retries_exhausted);
    }
  }
  SECTION("5xx: 5 retries exponential") {
    long total = 0;
    for (int a = 1; a <= 5; ++a) {
      auto d = p.next(classify_http_status(a % 2 ? 503 : 500), a, ms{total});
      REQUIRE(d.retry);
      CHECK(d.delay == ms{1000L << (a - 1)});
      total += static_cast<long>(d.delay.count());
    }
    CHECK_FALSE(p.next(ErrorClass::server_error, 6, ms{total}).retry);
  }
  SECTION("400: never retried, not critical") {
    auto d = p.next(classify_http_status(400), 1, ms{0});
    CHECK_FALSE(d.retry);
    CHECK(d.give_up == RetryDecision::GiveUp::not_retriable);
    CHECK_FALSE(d.critical);
  }
  SECTION("401/403: never retried, critical") {
    for (int status : {401, 403}) {
      auto d = p.next(classify_http_status(status), 1, ms{0});
      CHECK_FALSE(d.retry);
      CHECK(d.critical);
    }
  }
  SECTION("429 honours Retry-After") {
    auto d = p.next(classify_http_status(429), 1, ms{0}, parse_retry_after("7"));
    CHECK(d.retry);
    CHECK(d.delay == ms{7000});
    CHECK(p.next(ErrorClass::rate_limited, 1, ms{0}).delay == ms{1000});
  }
  SECTION("scaled for tests") {
    auto fast = factory_order_placement_policy({0.001, Jitter::none, ms{600000}, ms{60000}}, fixed_random(0.5));
    CHECK(fast.next(ErrorClass::network, 3, ms{0}).delay == ms{4});
    CHECK(fast.options().overall_deadline == ms{600});
  }
}

TEST_CASE("http classification and Retry-After parsing", "[retry]") {
  CHECK(classify_http_status(408) == ErrorClass::timeout);
  CHECK(classify_http_status(404) == ErrorClass::client_error);
  CHECK(classify_http_status(502) == ErrorClass::server_error);
  CHECK(classify_http_status(200) == ErrorClass::unknown);
  CHECK(parse_retry_after(" 30 ") == ms{30000});
  CHECK_FALSE(parse_retry_after("-1"));
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after(""));
  CHECK(make_error_code(ResilienceErrc::circuit_open).message() == "circuit breaker open");
}
