#include "app/reconciler.hpp"

#include "domain/events.hpp"
#include "domain/reconcile.hpp"
#include "store/projection.hpp"

#include <caas/events/envelope.hpp>

namespace caas::factory {

Reconciler::Reconciler(AdapterStore& store, FactoryClient& client, resilience::CircuitBreaker& breaker,
                       const Emitter& emitter, FactoryOrderLocks& locks, Probe& probe, observability::Logger log,
                       ReconcilerSettings settings)
    : store_(store),
      client_(client),
      breaker_(breaker),
      emitter_(emitter),
      locks_(locks),
      probe_(probe),
      log_(std::move(log)),
      settings_(settings) {}

Reconciler::~Reconciler() {
  stop();
}

void Reconciler::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Reconciler::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // A manual request never picked up: its HTTP responder answers 500 when
  // dropped, which is right for "shutting down".
  std::lock_guard lock(mutex_);
  manual_.reset();
}

bool Reconciler::request_run(RunCallback done) {
  {
    std::lock_guard lock(mutex_);
    if (stop_ || manual_ || manual_running_) return false;
    manual_ = std::move(done);
  }
  cv_.notify_all();
  return true;
}

void Reconciler::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (manual_) {
      auto done = std::move(*manual_);
      manual_.reset();
      manual_running_ = true;
      lock.unlock();
      auto report = run("manual");
      done(std::move(report));
      lock.lock();
      manual_running_ = false;
      continue;
    }
    lock.unlock();
    try {
      tick();
    } catch (const std::exception& e) {
      log_.error("scheduler tick failed", {{"operation", "reconciliation"}, {"error_details", e.what()}});
    }
    lock.lock();
    cv_.wait_for(lock, settings_.tick, [this] { return stop_ || manual_.has_value(); });
  }
}

void Reconciler::tick() {
  const auto now = emitter_.now_ms();
  poll_silent(now);
  const auto stored = store_.next_reconcile_at();
  const auto next = next_reconcile_at(stored, now, settings_.schedule);
  if (!stored) {
    store::WriteTxn txn;
    AdapterStore::set_next_reconcile_at(txn, next);
    (void)store_.raw().commit(std::move(txn));
  }
  if (now >= next) run("daily-reconciliation");
}

void Reconciler::poll_silent(std::int64_t now_ms) {
  std::vector<std::string> due;
  std::int64_t silent = 0;
  store_.for_each_factory_order([&](const FactoryOrder& f) {
    if (!f.status.current) return true;
    if (is_silent(*f.status.current, f.last_update_ms, now_ms, settings_.schedule)) ++silent;
    if (poll_due(*f.status.current, f.last_update_ms, f.last_polled_ms, now_ms, settings_.schedule)) {
      due.push_back(f.factory_order_id);
    }
    return true;
  });
  probe_.missed_webhooks.Set(static_cast<double>(silent));
  if (due.empty()) return;
  ReconciliationReport report;
  report.run_id = events::uuid_v4();
  report.trigger = "poll";
  report.started_at_ms = now_ms;
  for (const auto& id : due) {
    auto check = check_order(id, "poll", kSourcePoll, report.run_id);
    ++report.orders_checked;
    if (!check.reachable) ++report.orders_unreachable;
    if (check.discrepancy) report.discrepancies.push_back(std::move(*check.discrepancy));
  }
  report.finished_at_ms = emitter_.now_ms();
  save_report(report, std::nullopt);
}

ReconciliationReport Reconciler::run(const std::string& trigger) {
  ReconciliationReport report;
  report.run_id = events::uuid_v4();
  report.trigger = trigger;
  report.started_at_ms = emitter_.now_ms();
  probe_.runs.Add({{"trigger", trigger}}).Increment();
  std::vector<std::string> active;
  store_.for_each_factory_order([&](const FactoryOrder& f) {
    if (f.status.current && is_active(*f.status.current)) active.push_back(f.factory_order_id);
    return true;
  });
  log_.info(
      "reconciliation started",
      {{"operation", "reconciliation"}, {"trigger", trigger}, {"run_id", report.run_id}, {"orders", active.size()}});
  for (const auto& id : active) {
    auto check = check_order(id, trigger, kSourceReconciliation, report.run_id);
    ++report.orders_checked;
    if (!check.reachable) ++report.orders_unreachable;
    if (check.discrepancy) report.discrepancies.push_back(std::move(*check.discrepancy));
  }
  report.finished_at_ms = emitter_.now_ms();
  probe_.discrepancy_gauge.Set(static_cast<double>(report.discrepancies.size()));
  // A manual run does not move the daily schedule.
  std::optional<std::int64_t> next;
  if (trigger == "daily-reconciliation") next = reconcile_after_run(report.started_at_ms, settings_.schedule);
  save_report(report, next);
  log_.info("reconciliation finished", {{"operation", "reconciliation"},
                                        {"status", report.orders_unreachable == 0 ? "success" : "failure"},
                                        {"trigger", trigger},
                                        {"run_id", report.run_id},
                                        {"orders_checked", report.orders_checked},
                                        {"discrepancies", report.discrepancies.size()},
                                        {"unreachable", report.orders_unreachable},
                                        {"latency_ms", report.finished_at_ms - report.started_at_ms}});
  return report;
}

void Reconciler::save_report(const ReconciliationReport& report, std::optional<std::int64_t> next_run_ms) {
  store::WriteTxn txn;
  AdapterStore::put(txn, report);
  store_.prune_reports(txn, settings_.reports_kept > 0 ? settings_.reports_kept - 1 : 0);
  if (next_run_ms) AdapterStore::set_next_reconcile_at(txn, *next_run_ms);
  if (auto r = store_.raw().commit(std::move(txn)); !r) {
    log_.error("cannot store reconciliation report", {{"run_id", report.run_id}, {"error_details", r.error().message}});
  }
}

Reconciler::Check Reconciler::check_order(const std::string& factory_order_id, const std::string& detected_by,
                                          std::string_view source, const std::string& run_id) {
  Check check;
  const auto operation = source == kSourcePoll ? "status_poll" : "reconciliation";
  if (!breaker_.allow()) {
    probe_.breaker_waits.Increment();
    probe_.polls.Add({{"outcome", "circuit_open"}}).Increment();
    return check;
  }
  const auto started = std::chrono::steady_clock::now();
  auto answer = client_.order_status(factory_order_id, run_id);
  const auto latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (const auto* err = std::get_if<StatusQueryError>(&answer)) {
    if (is_health_failure(err->kind)) {
      breaker_.record_failure();
    } else {
      breaker_.record_success();
    }
    probe_.polls.Add({{"outcome", "error"}}).Increment();
    log_.warn("factory status query failed", {{"operation", operation},
                                              {"status", "failure"},
                                              {"factory_order_id", factory_order_id},
                                              {"error_details", err->message},
                                              {"latency_ms", latency_ms}});
    return check;
  }
  breaker_.record_success();
  probe_.polls.Add({{"outcome", "ok"}}).Increment();
  check.reachable = true;
  const auto& snapshot = std::get<FactorySnapshot>(answer);

  const bool ok = locks_.writer_section(store_, factory_order_id, [&](FactoryOrder& rec) {
    const auto plan = plan_reconciliation(rec.status, snapshot);
    const auto now_ms = emitter_.now_ms();
    const auto now_text = Emitter::rfc3339(now_ms);
    store::WriteTxn txn;
    std::vector<OutboundEvent> out;
    for (const auto& c : plan.corrections) {
      StatusEntry entry{c.observation.status,
                        c.observation.timestamp,
                        c.observation.ts_ms,
                        std::string(source),
                        c.decision.verdict == Verdict::applied,
                        now_ms,
                        ""};
      const std::string basis = factory_order_id + "\n" + std::string(to_string(entry.status)) + "\n" +
                                std::to_string(entry.ts_ms) + "\n" + (entry.applied ? "1" : "0");
      out.push_back({kFactoryEventsTopic, kStatusChanged, rec.order_id,
                     status_changed_data(rec.order_id, factory_order_id, entry, c.decision.previous),
                     derive_event_id("factory.status-changed/" + std::string(source), basis), rec.correlation_id, ""});
      probe_.status_events.Add({{"source", std::string(source)}, {"applied", entry.applied ? "true" : "false"}})
          .Increment();
      // Recorded exactly as the projection of the event rebuilds it.
      project_status(rec, entry);
    }
    // The check moves last_polled even when it found nothing (the one part
    // of the record the event log cannot rebuild).
    rec.last_polled_ms = now_ms;
    ++rec.rev;
    if (plan.discrepancy && plan.caas_before) {
      DiscrepancyFound d{
          rec.order_id,      factory_order_id,
          *plan.caas_before, plan.factory_status,
          detected_by,       std::string(plan.action()),
          now_text,          std::to_string(plan.corrections.size()) + " status(es) added from the Factory's history"};
      out.push_back({kFactoryEventsTopic, "factory.discrepancy-found", rec.order_id, discrepancy_data(d),
                     derive_event_id("factory.discrepancy-found", run_id + "\n" + factory_order_id), rec.correlation_id,
                     ""});
      probe_.discrepancies.Add({{"detected_by", detected_by}}).Increment();
      if (!plan.resolved) {
        Ticket t;
        t.ticket_id = "TCK-" + derive_event_id("ticket/factory-discrepancy", run_id + "\n" + factory_order_id);
        t.category = "factory-discrepancy";
        t.severity = "medium";
        t.title = "Order " + rec.order_id + " differs from the Factory and could not be corrected";
        t.description = "CaaS status " + std::string(to_string(*plan.caas_before)) + ", Factory status " +
                        std::string(to_string(plan.factory_status)) +
                        ": the Factory reports a state we cannot move to automatically.";
        t.order_id = rec.order_id;
        t.factory_order_id = factory_order_id;
        t.customer_id = rec.customer_id;
        t.opened_at = now_text;
        out.push_back({kTicketsTopic, "support.ticket-opened", t.ticket_id, ticket_data(t),
                       derive_event_id("support.ticket-opened", t.ticket_id), rec.correlation_id, ""});
        probe_.tickets.Add({{"category", t.category}}).Increment();
      }
      check.discrepancy = ReportEntry{rec.order_id,
                                      factory_order_id,
                                      std::string(to_string(*plan.caas_before)),
                                      std::string(to_string(plan.factory_status)),
                                      std::string(plan.action()),
                                      static_cast<int>(plan.corrections.size()),
                                      ""};
    }
    AdapterStore::put(txn, rec);
    for (const auto& e : out) {
      auto record = emitter_.make(e, now_ms);
      if (!record) {
        log_.error("cannot build correction event",
                   {{"factory_order_id", factory_order_id}, {"error_details", record.error().message}});
        check.discrepancy.reset();
        return;
      }
      txn.enqueue(std::move(record.value()));
    }
    if (auto r = store_.raw().commit(std::move(txn)); !r) {
      log_.error("cannot record reconciliation result",
                 {{"factory_order_id", factory_order_id}, {"error_details", r.error().message}});
      check.discrepancy.reset();
      return;
    }
    log_.log(plan.discrepancy ? observability::LogLevel::warn : observability::LogLevel::info,
             plan.discrepancy ? "status discrepancy found" : "factory status checked",
             {{"operation", operation},
              {"status", "success"},
              {"order_id", rec.order_id},
              {"customer_id", rec.customer_id},
              {"correlation_id", rec.correlation_id},
              {"factory_order_id", factory_order_id},
              {"factory_status", std::string(to_string(plan.factory_status))},
              {"caas_status", plan.caas_before ? std::string(to_string(*plan.caas_before)) : ""},
              {"action", std::string(plan.action())},
              {"corrections", plan.corrections.size()},
              {"latency_ms", latency_ms}});
  });
  if (!ok) check.discrepancy.reset();
  return check;
}

}  // namespace caas::factory
