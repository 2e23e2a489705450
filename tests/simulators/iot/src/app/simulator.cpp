#include "app/simulator.hpp"

#include "domain/views.hpp"

#include <caas/events/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace caas::iot_sim {

namespace {

/// The clock looks at due commands at least this often, so a command's
/// application is late by at most a tick even if nobody wakes the clock.
constexpr std::chrono::milliseconds kMaxTick{50};

}  // namespace

IotSimulator::IotSimulator(SimulatorConfig config, observability::Logger log, observability::Metrics& metrics)
    : config_(std::move(config)),
      log_(std::move(log)),
      metrics_(metrics),
      state_(config_.vehicles, config_.network, config_.seed, config_.webhook_queue_capacity, metrics),
      server_(metrics) {
  if (config_.api_tokens.empty()) throw std::invalid_argument("at least one API IoT token is required");
  if (config_.vehicles == 0) throw std::invalid_argument("the fleet needs at least one vehicle");
  const bool webhooks = !config_.telemetry_url.empty() || !config_.command_status_url.empty();
  if (webhooks && config_.webhook_secret.empty()) throw std::invalid_argument("a webhook URL needs a webhook secret");
  if (config_.initial_faults) {
    auto doc = events::parse_strict_json(*config_.initial_faults);
    if (!doc) throw std::invalid_argument("initial faults: " + doc.error().message);
    bool queued = false;
    if (auto e = apply_faults(*doc, queued)) throw std::invalid_argument("initial faults: " + e->message);
  }
  if (webhooks) {
    sender_ = std::make_unique<WebhookSender>(
        state_,
        SenderOptions{config_.telemetry_url, config_.command_status_url, config_.webhook_secret,
                      config_.webhook_timeout, config_.webhook_workers, config_.retry},
        log_, [this](const Webhook& w, const std::string& outcome) { record_outcome(w, outcome); });
  }
}

IotSimulator::~IotSimulator() {
  stop();
}

void IotSimulator::start() {
  if (server_.started()) return;
  http::Router router;
  add_api_routes(router);
  add_control_routes(router);
  server_.start(std::move(router), {config_.address, config_.port, config_.http_threads, config_.max_body_bytes,
                                    /*max_connections=*/4096, /*max_in_flight=*/4096});
  if (sender_) sender_->start();
  clock_ = std::thread([this] { run_vehicle_clock(); });
  log_.info("iot simulator started", {{"port", static_cast<std::int64_t>(server_.port())},
                                      {"vehicles", static_cast<std::int64_t>(config_.vehicles)},
                                      {"telemetry_url", config_.telemetry_url},
                                      {"command_status_url", config_.command_status_url},
                                      {"telemetry_interval_ms", config_.telemetry_interval.count()},
                                      {"seed", static_cast<std::int64_t>(config_.seed)}});
}

void IotSimulator::stop() {
  // Held answers and HTTP first, then the clock (nothing new to send), then
  // the senders.
  if (!server_.stop()) return;
  {
    std::lock_guard lock(clock_mutex_);
    clock_stopping_ = true;
  }
  clock_cv_.notify_all();
  if (clock_.joinable()) clock_.join();
  if (sender_) sender_->stop();
  log_.info("iot simulator stopped");
}

std::uint16_t IotSimulator::port() const {
  return server_.port();
}

void IotSimulator::wake() {
  {
    std::lock_guard lock(clock_mutex_);
    clock_woken_ = true;
  }
  clock_cv_.notify_all();
  if (sender_) sender_->notify();
}

void IotSimulator::run_vehicle_clock() {
  using Clock = std::chrono::steady_clock;
  auto next_reading = Clock::now() + config_.telemetry_interval;
  std::unique_lock clock_lock(clock_mutex_);
  while (!clock_stopping_) {
    auto wake_at = std::min(next_reading, Clock::now() + kMaxTick);
    {
      std::lock_guard lock(state_.mutex);
      if (auto due = state_.network.next_due()) wake_at = std::min(wake_at, *due);
    }
    clock_cv_.wait_until(clock_lock, wake_at, [this] { return clock_stopping_ || clock_woken_; });
    clock_woken_ = false;
    if (clock_stopping_) break;
    clock_lock.unlock();
    bool queued = false;
    {
      std::lock_guard lock(state_.mutex);
      const auto steady = Clock::now();
      const auto now = std::chrono::system_clock::now();
      std::vector<Ack> acks;
      for (auto seq : state_.network.advance(now, steady, state_.faults, state_.rng, acks)) {
        if (const auto* c = state_.network.find_command(seq)) state_.count_execution(*c->execution);
      }
      queued = queue_acks(acks);
      if (steady >= next_reading) {
        std::vector<Ack> released;
        if (state_.network.flap(state_.faults, now, steady, state_.rng, released) > 0) {
          queued = queue_acks(released) || queued;
        }
        TelemetryCounts counts;
        auto readings = state_.telemetry.tick(state_.network.vehicles(), now, config_.telemetry_interval, state_.faults,
                                              state_.rng, state_.motion, counts);
        state_.count_readings(counts);
        queued = queue_readings(readings) || queued;
        // A late tick (a loaded machine) is not caught up with a burst.
        next_reading = std::max(next_reading + config_.telemetry_interval, steady);
      }
      state_.update_gauges();
    }
    if (queued && sender_) sender_->notify();
    clock_lock.lock();
  }
}

bool IotSimulator::queue_acks(std::vector<Ack>& acks) {
  bool queued = false;
  for (auto& ack : acks) {
    CommandRecord* c = state_.network.find_command(ack.command_seq);
    if (c == nullptr || c->acks.empty()) continue;
    AckRecord& record = c->acks.back();
    if (config_.command_status_url.empty()) {
      record.outcome = "not_configured";
      continue;
    }
    Webhook w;
    w.stream = Stream::command_status;
    w.key = ack.vin;
    w.body = command_status_body(ack);
    w.webhook_id = webhook_id_for(w.body);
    w.ready_at = std::chrono::steady_clock::now() + ack.delay;
    w.command_seq = ack.command_seq;
    w.ack_index = c->acks.size() - 1;
    record.webhook_id = w.webhook_id;
    if (state_.queue.push(std::move(w))) {
      state_.count_webhook(Stream::command_status, "queued");
      queued = true;
    } else {
      record.outcome = "queue_full";
      state_.count_webhook(Stream::command_status, "queue_full");
      log_.warn("webhook queue full", {{"vin", ack.vin}, {"command_id", ack.command_id}});
    }
  }
  return queued;
}

bool IotSimulator::queue_readings(const std::vector<OutgoingReading>& readings) {
  if (config_.telemetry_url.empty() || readings.empty()) return false;
  bool queued = false;
  for (auto& batch : make_batches(readings, config_.batch_size)) {
    Webhook w;
    w.stream = Stream::telemetry;
    w.key = "telemetry";  // one stream: batches leave in order, one at a time
    w.webhook_id = webhook_id_for(batch.body);
    w.body = std::move(batch.body);
    w.ready_at = std::chrono::steady_clock::now();
    w.readings = std::move(batch.readings);
    const auto n = w.readings.size();
    if (state_.queue.push(std::move(w))) {
      ++state_.stats.telemetry.batches;
      state_.stats.telemetry.readings_queued += n;
      state_.count_webhook(Stream::telemetry, "queued");
      queued = true;
    } else {
      state_.count_webhook(Stream::telemetry, "queue_full");
      log_.warn("webhook queue full, telemetry batch dropped", {{"readings", static_cast<std::int64_t>(n)}});
    }
  }
  return queued;
}

void IotSimulator::record_outcome(const Webhook& w, const std::string& outcome) {
  if (w.stream == Stream::telemetry) {
    if (outcome != "delivered") return;
    for (const auto& [vin, seq] : w.readings) {
      if (Vehicle* v = state_.network.find(vin)) v->delivered_seq = std::max(v->delivered_seq, seq);
    }
    return;
  }
  CommandRecord* c = state_.network.find_command(w.command_seq);
  // A webhook settled after a fleet reset may name a command that no longer exists.
  if (c == nullptr || w.ack_index >= c->acks.size() || c->acks[w.ack_index].webhook_id != w.webhook_id) return;
  c->acks[w.ack_index].outcome = outcome;
  c->acks[w.ack_index].attempts = w.attempts;
}

std::optional<PatchError> IotSimulator::apply_faults(const rapidjson::Value& patch, bool& queued) {
  auto known = [this](std::string_view vin) { return state_.network.find(vin) != nullptr; };
  if (auto e = state_.faults.apply_patch(patch, known)) return e;
  std::vector<Ack> acks;
  const auto changed = state_.network.sync_connectivity(state_.faults, std::chrono::system_clock::now(),
                                                        std::chrono::steady_clock::now(), acks);
  queued = queue_acks(acks);
  if (changed > 0) log_.info("connectivity changed", {{"vehicles", static_cast<std::int64_t>(changed)}});
  state_.update_gauges();
  return std::nullopt;
}

}  // namespace caas::iot_sim
