#include "app/placement_worker.hpp"

#include "domain/events.hpp"
#include "store/projection.hpp"

#include <algorithm>

namespace caas::factory {

using Clock = std::chrono::steady_clock;

PlacementWorker::PlacementWorker(AdapterStore& store, FactoryClient& client, resilience::CircuitBreaker& breaker,
                                 resilience::RetryPolicy policy, const Emitter& emitter, FactoryOrderLocks& locks,
                                 Probe& probe, observability::Logger log, WorkerSettings settings,
                                 std::function<void(const std::string&)> factory_order_recorded)
    : store_(store),
      client_(client),
      breaker_(breaker),
      policy_(std::move(policy)),
      emitter_(emitter),
      locks_(locks),
      probe_(probe),
      log_(std::move(log)),
      settings_(settings),
      factory_order_recorded_(std::move(factory_order_recorded)) {
  settings_.concurrency = std::max(1u, settings_.concurrency);
}

PlacementWorker::~PlacementWorker() {
  stop();
}

void PlacementWorker::start() {
  std::lock_guard lock(mutex_);
  if (dispatcher_.joinable()) return;
  stop_ = false;
  dispatcher_ = std::thread([this] { dispatch_loop(); });
  for (unsigned i = 0; i < settings_.concurrency; ++i) executors_.emplace_back([this] { execute_loop(); });
}

void PlacementWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  dispatch_cv_.notify_all();
  work_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& t : executors_) {
    if (t.joinable()) t.join();
  }
  executors_.clear();
}

void PlacementWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  dispatch_cv_.notify_all();
}

void PlacementWorker::dispatch_loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    auto wait = settings_.tick;
    if (breaker_.state() == resilience::CircuitState::open) {
      // Nothing may be attempted: sleep until the breaker admits a probe.
      wait = std::clamp(breaker_.retry_in(), std::chrono::milliseconds(1), settings_.tick);
    } else {
      std::vector<PendingPlacement> pending;
      try {
        pending = store_.pendings(settings_.scan_limit);
      } catch (const std::exception& e) {
        log_.error("cannot read pending placements", {{"error_details", e.what()}});
      }
      probe_.pending.Set(static_cast<double>(pending.size()));
      const auto now = emitter_.now_ms();
      lock.lock();
      for (const auto& p : pending) {
        if (claimed_.count(p.order_id) != 0) continue;
        if (p.next_attempt_at_ms > now) {
          wait = std::min(wait, std::chrono::milliseconds(p.next_attempt_at_ms - now));
          continue;
        }
        if (claimed_.size() >= settings_.concurrency) break;
        claimed_.insert(p.order_id);
        queue_.push_back(p.order_id);
      }
      lock.unlock();
      work_cv_.notify_all();
    }
    lock.lock();
    dispatch_cv_.wait_for(lock, std::max(wait, std::chrono::milliseconds(1)), [this] { return stop_ || woken_; });
    woken_ = false;
  }
}

void PlacementWorker::execute_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    auto order_id = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    AttemptResult r = AttemptResult::done;
    try {
      r = attempt(order_id);
    } catch (const std::exception& e) {
      log_.error("placement attempt failed unexpectedly", {{"order_id", order_id}, {"error_details", e.what()}});
    }
    lock.lock();
    claimed_.erase(order_id);
    // A breaker-held placement is picked up again by the next scan; waking
    // the dispatcher now would only spin while a half-open probe is out.
    if (r == AttemptResult::done) woken_ = true;
    dispatch_cv_.notify_all();
  }
}

PlacementWorker::AttemptResult PlacementWorker::attempt(const std::string& order_id) {
  auto p = store_.pending(order_id);
  if (!p) return AttemptResult::done;  // finished meanwhile
  if (store_.placement(order_id)) {
    // The outcome is already known (e.g. rebuilt from caas.factory.events.v1
    // after a lost store while the command was replayed): never ask again.
    drop_pending(*p);
    return AttemptResult::done;
  }
  if (!breaker_.allow()) {
    probe_.breaker_waits.Increment();
    log_.info("placement waiting for the circuit breaker", {{"operation", "order_placement"},
                                                            {"status", "retry"},
                                                            {"order_id", p->order_id},
                                                            {"correlation_id", p->correlation_id},
                                                            {"attempt", p->attempts}});
    return AttemptResult::breaker_open;
  }
  const auto started = Clock::now();
  const auto result = client_.place_order(p->request_body, p->idempotency_key, p->correlation_id);
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  const auto error_class = error_class_of(result);
  const bool created = std::holds_alternative<Created>(result);
  if (created || !is_health_failure(error_class)) {
    breaker_.record_success();
  } else {
    breaker_.record_failure();
  }
  probe_.latency.with({{"outcome", created ? "success" : std::string(resilience::to_string(error_class))}})
      .Observe(std::chrono::duration<double>(latency).count());
  const int attempts = p->attempts + 1;
  const auto elapsed = std::chrono::milliseconds(p->elapsed_ms) + latency;
  const auto decision = decide_placement(result, attempts, elapsed, policy_);
  commit_outcome(std::move(*p), result, decision, latency.count());
  return AttemptResult::done;
}

void PlacementWorker::drop_pending(const PendingPlacement& p) {
  store::WriteTxn txn;
  AdapterStore::remove_pending(txn, p.order_id);
  if (auto r = store_.raw().commit(std::move(txn)); !r) {
    log_.error("cannot drop a pending placement", {{"order_id", p.order_id}, {"error_details", r.error().message}});
    return;
  }
  log_.info("pending placement of an order with an outcome dropped: not sent again",
            {{"operation", "order_placement"},
             {"order_id", p.order_id},
             {"customer_id", p.customer_id},
             {"correlation_id", p.correlation_id}});
}

void PlacementWorker::commit_outcome(PendingPlacement p, const PlaceResult& result, const PlacementDecision& decision,
                                     std::int64_t latency_ms) {
  const auto now_ms = emitter_.now_ms();
  const auto now_text = Emitter::rfc3339(now_ms);
  const int attempts = p.attempts + 1;
  const std::string basis = p.order_id + "\n" + p.idempotency_key;
  store::WriteTxn txn;
  std::vector<OutboundEvent> out;

  auto add_ticket = [&](const Ticket& t) {
    out.push_back({kTicketsTopic, "support.ticket-opened", t.ticket_id, ticket_data(t),
                   derive_event_id("support.ticket-opened", t.ticket_id), p.correlation_id, p.causation_id});
    probe_.tickets.Add({{"category", t.category}}).Increment();
  };
  // The final outcome is stored exactly as the projection of its event
  // rebuilds it (store/projection.hpp), plus what the command told us.
  auto finish = [&](std::string_view type, std::string data) {
    auto done = placement_from_event(type, data, now_ms);
    if (!done) return false;
    complete_placement(*done, p.idempotency_key, p.customer_id);
    AdapterStore::put(txn, *done);
    AdapterStore::remove_pending(txn, p.order_id);
    out.push_back({kFactoryEventsTopic, type, p.order_id, std::move(data), derive_event_id(type, basis),
                   p.correlation_id, p.causation_id});
    return true;
  };

  bool recorded = true;
  switch (decision.action) {
    case PlacementAction::retry: {
      p.attempts = attempts;
      p.elapsed_ms += latency_ms + decision.delay.count();
      p.next_attempt_at_ms = now_ms + decision.delay.count();
      if (p.first_error_at_ms == 0) p.first_error_at_ms = now_ms;
      p.last_error = describe(result);
      p.last_error_class = std::string(resilience::to_string(decision.error_class));
      p.last_http_status = http_status_of(result);
      AdapterStore::put(txn, p);
      probe_.retries.Add({{"error_class", p.last_error_class}}).Increment();
      break;
    }
    case PlacementAction::placed: {
      const auto& c = std::get<Created>(result);
      auto data = order_placed_data(p.order_id, c, attempts);
      // A record may already exist (an earlier incarnation placed it and the
      // store kept it): keep its history, only (re)write the map.
      if (store_.factory_order(c.factory_order_id)) {
        AdapterStore::put_order_map(txn, p.order_id, c.factory_order_id);
      } else if (auto fo = factory_order_from_placed(data, now_ms, p.correlation_id)) {
        fo->customer_id = p.customer_id;
        AdapterStore::put(txn, *fo);
      }
      recorded = finish(kOrderPlaced, std::move(data));
      break;
    }
    case PlacementAction::rejected: {
      const auto& r = std::get<Rejected>(result);
      recorded = finish(kOrderRejected, order_rejected_data(p.order_id, r, attempts, now_text));
      add_ticket(placement_ticket(decision.action, p.order_id, p.idempotency_key, p.customer_id, describe(result),
                                  attempts, now_text));
      probe_.rejections.Increment();
      break;
    }
    case PlacementAction::auth_failed:
    case PlacementAction::exhausted: {
      const auto ticket = placement_ticket(decision.action, p.order_id, p.idempotency_key, p.customer_id,
                                           decision.reason, attempts, now_text);
      SubmissionFailure f{p.order_id,      decision.error_class, http_status_of(result), attempts,
                          decision.reason, decision.critical,    ticket.ticket_id,       now_text};
      recorded = finish(kSubmissionFailed, submission_failed_data(f));
      add_ticket(ticket);
      if (decision.action == PlacementAction::auth_failed) probe_.auth_failures.Increment();
      break;
    }
  }
  if (!recorded) {
    // Our own event data did not read back: a bug. Keep the placement pending
    // (retried next scan) rather than lose the outcome.
    log_.error("cannot derive the placement outcome from its event", {{"order_id", p.order_id}});
    return;
  }

  for (const auto& e : out) {
    auto record = emitter_.make(e, now_ms);
    if (!record) {
      // Our own event failed its schema: a bug. Keep the placement pending
      // (retried next scan) rather than lose the outcome.
      log_.error("cannot build outcome event",
                 {{"order_id", p.order_id}, {"type", std::string(e.type)}, {"error_details", record.error().message}});
      return;
    }
    txn.enqueue(std::move(record.value()));
  }
  if (auto r = store_.raw().commit(std::move(txn)); !r) {
    log_.error("cannot record placement outcome", {{"order_id", p.order_id}, {"error_details", r.error().message}});
    return;
  }
  if (decision.action != PlacementAction::retry) {
    probe_.placements.Add({{"outcome", std::string(to_string(decision.action))}}).Increment();
  }
  const bool ok = decision.action == PlacementAction::placed;
  if (ok && factory_order_recorded_) factory_order_recorded_(std::get<Created>(result).factory_order_id);
  const bool retry = decision.action == PlacementAction::retry;
  observability::Fields fields{{"operation", "order_placement"},
                               {"status", ok      ? "success"
                                          : retry ? "retry"
                                                  : "failure"},
                               {"order_id", p.order_id},
                               {"customer_id", p.customer_id},
                               {"correlation_id", p.correlation_id},
                               {"attempt", attempts},
                               {"latency_ms", latency_ms},
                               {"decision", std::string(to_string(decision.action))}};
  if (ok) fields.emplace_back("factory_order_id", std::get<Created>(result).factory_order_id);
  if (!ok) fields.emplace_back("error_details", decision.reason);
  if (retry) fields.emplace_back("retry_in_ms", static_cast<std::int64_t>(decision.delay.count()));
  const auto level = ok || retry         ? observability::LogLevel::info
                     : decision.critical ? observability::LogLevel::error
                                         : observability::LogLevel::warn;
  log_.log(level,
           ok      ? "factory order placed"
           : retry ? "factory placement failed, retrying"
                   : "factory placement gave up",
           fields);
}

}  // namespace caas::factory
