#include "app/simulator.hpp"

#include "domain/views.hpp"

#include <caas/events/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace caas::factory_sim {

namespace {

OrderBookOptions book_options(const SimulatorConfig& c) {
  OrderBookOptions o;
  o.stage_interval = c.stage_interval;
  o.max_orders = c.max_orders;
  return o;
}

/// The production line looks at the orders a few times per stage, so a stage
/// lasts between one interval and one interval plus a tick.
std::chrono::milliseconds tick_of(std::chrono::milliseconds stage_interval) {
  return std::clamp(stage_interval / 8, std::chrono::milliseconds(1), std::chrono::milliseconds(50));
}

}  // namespace

FactorySimulator::FactorySimulator(SimulatorConfig config, observability::Logger log, observability::Metrics& metrics)
    : config_(std::move(config)),
      log_(std::move(log)),
      metrics_(metrics),
      state_(book_options(config_), config_.catalogue, config_.seed, config_.webhook_queue_capacity, metrics),
      server_(metrics) {
  if (config_.api_tokens.empty()) throw std::invalid_argument("at least one Factory API token is required");
  if (!config_.webhook_url.empty() && config_.webhook_secret.empty()) {
    throw std::invalid_argument("a webhook URL needs a webhook secret");
  }
  if (config_.initial_faults) {
    auto doc = events::parse_strict_json(*config_.initial_faults);
    if (!doc) throw std::invalid_argument("initial faults: " + doc.error().message);
    if (auto e = apply_fault_patch(state_.faults, *doc)) throw std::invalid_argument("initial faults: " + e->message);
  }
  if (!config_.webhook_url.empty()) {
    sender_ =
        std::make_unique<WebhookSender>(state_,
                                        SenderOptions{config_.webhook_url, config_.webhook_secret,
                                                      config_.webhook_timeout, config_.webhook_workers, config_.retry},
                                        log_);
  }
}

FactorySimulator::~FactorySimulator() {
  stop();
}

void FactorySimulator::start() {
  if (server_.started()) return;
  http::Router router;
  add_factory_routes(router);
  add_control_routes(router);
  server_.start(std::move(router), {config_.address, config_.port, config_.http_threads, config_.max_body_bytes,
                                    /*max_connections=*/1024, /*max_in_flight=*/1024});
  if (sender_) sender_->start();
  line_ = std::thread([this] { run_production_line(); });
  log_.info("factory simulator started", {{"port", static_cast<std::int64_t>(server_.port())},
                                          {"webhook_url", config_.webhook_url},
                                          {"stage_interval_ms", config_.stage_interval.count()},
                                          {"retry_base_ms", config_.retry.base.count()},
                                          {"seed", static_cast<std::int64_t>(config_.seed)}});
}

void FactorySimulator::stop() {
  // Held answers and HTTP first, then the line (nothing new to send), then
  // the senders.
  if (!server_.stop()) return;
  {
    std::lock_guard lock(line_mutex_);
    line_stopping_ = true;
  }
  line_cv_.notify_all();
  if (line_.joinable()) line_.join();
  if (sender_) sender_->stop();
  log_.info("factory simulator stopped");
}

std::uint16_t FactorySimulator::port() const {
  return server_.port();
}

void FactorySimulator::run_production_line() {
  const auto tick = tick_of(config_.stage_interval);
  std::unique_lock line_lock(line_mutex_);
  while (!line_stopping_) {
    line_cv_.wait_for(line_lock, tick);
    if (line_stopping_) break;
    bool queued = false;
    {
      std::lock_guard lock(state_.mutex);
      const auto& production = state_.faults.production;
      auto changes = state_.book.advance(std::chrono::system_clock::now(), production.qc_failure_probability,
                                         production.paused, state_.rng);
      for (const auto& change : changes) {
        ++state_.stats.status_changes;
        if (change.entry.rework) ++state_.stats.qc_failures;
        state_.probe.status_changes.Add({{"status", std::string(to_string(change.entry.status))}}).Increment();
        Order* order = state_.book.find_mutable(change.order_id);
        if (order != nullptr) queued = schedule_webhook(*order, change.entry) || queued;
      }
    }
    if (queued && sender_) sender_->notify();
  }
}

bool FactorySimulator::schedule_webhook(Order& order, const HistoryEntry& entry) {
  if (!sender_) return false;
  auto& counts = state_.stats.webhooks;
  ++counts.generated;
  auto decision = decide_webhook(state_.faults.webhooks, entry.status, state_.rng);
  // This webhook is about to overtake a held one: holding it back as well
  // would only delay the order's queue, not reorder anything.
  if (decision.reorder && state_.queue.holding(order.id)) decision.reorder = false;
  WebhookRecord record{0, entry.status, entry.timestamp, "pending", 0, 0, false, false};
  if (decision.silent || decision.dropped) {
    record.outcome = decision.silent ? "silent" : "dropped";
    state_.count_webhook(record.outcome, decision.silent ? counts.silent : counts.dropped);
    order.webhooks.push_back(record);
    log_.info("webhook withheld",
              {{"order_id", order.id}, {"status", std::string(to_string(entry.status))}, {"fault", record.outcome}});
    return false;
  }
  const auto now = std::chrono::steady_clock::now();
  const int copies = decision.duplicate ? 2 : 1;
  const std::string body = webhook_body(order, entry);
  bool queued = false;
  for (int i = 0; i < copies; ++i) {
    Delivery d;
    d.id = state_.next_delivery_id++;
    d.order_id = order.id;
    d.status = entry.status;
    d.body = body;
    d.ready_at = now;
    d.duplicate = i > 0;
    // The last copy waits for the order's next webhook, but not for ever (a
    // final status has none): three stages, and long enough that a busy
    // machine does not release it before its successor exists.
    d.hold_for_next = decision.reorder && i == copies - 1;
    d.hold_until =
        now + std::max<std::chrono::milliseconds>(3 * config_.stage_interval, std::chrono::milliseconds(300));
    record.delivery_id = d.id;
    record.duplicate = d.duplicate;
    record.reordered = d.hold_for_next;
    if (state_.queue.push(std::move(d))) {
      record.outcome = "pending";
      queued = true;
    } else {
      record.outcome = "queue_full";
      state_.count_webhook("queue_full", counts.queue_full);
      log_.warn("webhook queue full", {{"order_id", order.id}, {"status", std::string(to_string(entry.status))}});
    }
    order.webhooks.push_back(record);
  }
  if (decision.duplicate) state_.count_webhook("duplicated", counts.duplicated);
  if (decision.reorder) state_.count_webhook("reordered", counts.reordered);
  state_.update_queue_gauge();
  return queued;
}

}  // namespace caas::factory_sim
