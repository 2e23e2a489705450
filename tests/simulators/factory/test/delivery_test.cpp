// Unit tests of webhook delivery: the retry verdicts of the real Factory and
// the per-order queue (order kept, one in flight per order, reorder fault).
#include "domain/delivery.hpp"

#include <catch2/catch.hpp>

using namespace caas::factory_sim;
using namespace std::chrono_literals;

namespace {

Delivery delivery(std::uint64_t id, const std::string& order, Status status, SteadyTime ready) {
  Delivery d;
  d.id = id;
  d.order_id = order;
  d.status = status;
  d.body = order + "/" + std::string(to_string(status));
  d.ready_at = ready;
  return d;
}

/// A delivery under the reorder fault: it waits for its successor, at most until t0 + 600 ms.
Delivery held(std::uint64_t id, Status status, SteadyTime t0) {
  auto d = delivery(id, "A", status, t0);
  d.hold_for_next = true;
  d.hold_until = t0 + 600ms;
  return d;
}

/// Takes the next ready delivery and reports it sent; its id (0: none ready).
std::uint64_t send_next(DeliveryQueue& q, SteadyTime now) {
  auto d = q.take(now);
  if (!d) return 0;
  q.complete(d->order_id);
  return d->id;
}

}  // namespace

TEST_CASE("five attempts with exponential backoff scaled by the base", "[unit][delivery]") {
  RetryOptions o{5, 100ms, 2000ms};
  std::vector<std::chrono::milliseconds> delays;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    auto v = judge_attempt(503, std::nullopt, attempt, o);
    if (v.verdict == Verdict::retry) delays.push_back(v.delay);
    if (attempt == 5) CHECK(v.verdict == Verdict::give_up);
  }
  CHECK(delays == std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms});
  CHECK(backoff_delay(3, 10ms) == 40ms);
}

TEST_CASE("which answers are retried", "[unit][delivery]") {
  RetryOptions o{5, 100ms, 2000ms};
  CHECK(judge_attempt(200, std::nullopt, 1, o).verdict == Verdict::delivered);
  CHECK(judge_attempt(204, std::nullopt, 3, o).verdict == Verdict::delivered);
  for (int s : {404, 408, 429, 500, 502, 503, 504}) {
    INFO(s);
    CHECK(judge_attempt(s, std::nullopt, 1, o).verdict == Verdict::retry);
  }
  CHECK(judge_attempt(std::nullopt, std::nullopt, 1, o).verdict == Verdict::retry);  // network error / timeout
  for (int s : {400, 401, 403, 409, 413, 415}) {
    INFO(s);
    CHECK(judge_attempt(s, std::nullopt, 1, o).verdict == Verdict::give_up);
  }
}

TEST_CASE("Retry-After is honoured up to the cap", "[unit][delivery]") {
  RetryOptions o{5, 100ms, 1500ms};
  CHECK(judge_attempt(503, 1000ms, 1, o).delay == 1000ms);
  CHECK(judge_attempt(429, 60000ms, 1, o).delay == 1500ms);
  CHECK(judge_attempt(503, 0ms, 2, o).delay == 200ms);  // never shorter than the backoff
}

TEST_CASE("one delivery in flight per order, in order, others proceed", "[unit][delivery]") {
  DeliveryQueue q(100);
  const auto t0 = SteadyTime{} + 1h;
  REQUIRE(q.push(delivery(1, "A", Status::ordered, t0)));
  REQUIRE(q.push(delivery(2, "A", Status::in_production, t0)));
  REQUIRE(q.push(delivery(3, "B", Status::ordered, t0 + 1ms)));
  CHECK(q.size() == 3);

  auto first = q.take(t0 + 1ms);
  REQUIRE(first);
  CHECK(first->id == 1);
  auto second = q.take(t0 + 1ms);
  REQUIRE(second);
  CHECK(second->id == 3);  // A is in flight: B goes, A's next waits
  CHECK_FALSE(q.take(t0 + 1ms));

  // A's first attempt failed: it is retried before A's later webhook.
  q.retry(std::move(*first), t0 + 100ms);
  CHECK_FALSE(q.take(t0 + 50ms));
  CHECK(q.next_ready() == t0 + 100ms);
  CHECK(send_next(q, t0 + 100ms) == 1);
  CHECK(send_next(q, t0 + 100ms) == 2);
  q.complete("B");
  CHECK(q.size() == 0);
  CHECK(q.in_flight() == 0);
  CHECK_FALSE(q.next_ready());
}

TEST_CASE("a reordered webhook goes after its order's next one", "[unit][delivery]") {
  DeliveryQueue q(100);
  const auto t0 = SteadyTime{} + 1h;
  REQUIRE(q.push(held(1, Status::in_production, t0)));
  CHECK(q.holding("A"));
  CHECK_FALSE(q.holding("B"));
  CHECK_FALSE(q.take(t0 + 10ms));  // waits for the next webhook
  CHECK(q.next_ready() == t0 + 600ms);
  REQUIRE(q.push(delivery(2, "A", Status::assembly_complete, t0 + 200ms)));
  CHECK_FALSE(q.holding("A"));
  CHECK(send_next(q, t0 + 10ms) == 2);
  CHECK(send_next(q, t0 + 10ms) == 1);
}

TEST_CASE("a reordered final webhook goes alone after its hold", "[unit][delivery]") {
  DeliveryQueue q(100);
  const auto t0 = SteadyTime{} + 1h;
  REQUIRE(q.push(held(1, Status::arrived_at_dealership, t0)));
  CHECK(send_next(q, t0 + 599ms) == 0);
  CHECK(send_next(q, t0 + 600ms) == 1);
}

TEST_CASE("the queue is bounded and can be cleared", "[unit][delivery]") {
  DeliveryQueue q(2);
  const auto t0 = SteadyTime{} + 1h;
  CHECK(q.push(delivery(1, "A", Status::ordered, t0)));
  CHECK(q.push(delivery(2, "B", Status::ordered, t0)));
  CHECK_FALSE(q.push(delivery(3, "C", Status::ordered, t0)));
  auto d = q.take(t0);
  REQUIRE(d);
  CHECK(q.push(delivery(3, "C", Status::ordered, t0)));  // taking frees a place
  q.clear();
  CHECK(q.size() == 0);
  q.retry(std::move(*d), t0);  // in flight across a clear: dropped, not re-queued
  CHECK(q.size() == 0);
}
