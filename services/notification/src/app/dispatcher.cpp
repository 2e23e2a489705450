#include "app/dispatcher.hpp"

#include <algorithm>
#include <chrono>

namespace caas::notification {

ChannelDispatcher::ChannelDispatcher(Channel channel, Sender& sender, const TemplateSet& templates,
                                     NotificationStore& store, OutcomeRecorder& recorder, RetryRules rules,
                                     Probe& probe, observability::Logger log, DispatcherSettings settings,
                                     std::function<std::int64_t()> now_ms)
    : channel_(channel),
      channel_name_(to_string(channel)),
      sender_(sender),
      templates_(templates),
      store_(store),
      recorder_(recorder),
      rules_(rules),
      probe_(probe),
      log_(std::move(log)),
      settings_(settings),
      now_ms_(std::move(now_ms)),
      depth_gauge_(probe.queue_depth.Add({{"channel", channel_name_}})) {
  settings_.concurrency = std::max(1u, settings_.concurrency);
}

ChannelDispatcher::~ChannelDispatcher() {
  stop();
}

void ChannelDispatcher::start() {
  std::lock_guard lock(mutex_);
  if (!workers_.empty()) return;
  stop_ = false;
  for (unsigned i = 0; i < settings_.concurrency; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void ChannelDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void ChannelDispatcher::add(const PendingDelivery& p) {
  {
    std::lock_guard lock(mutex_);
    auto& q = queues_[p.customer_id];
    // Slots arrive in seq order from one planner, but a restart's reload and
    // the planner may interleave: keep the queue sorted, skip a known seq.
    auto it = std::lower_bound(q.slots.begin(), q.slots.end(), p.seq,
                               [](const Slot& s, std::uint64_t seq) { return s.seq < seq; });
    if (it != q.slots.end() && it->seq == p.seq) return;
    if (q.in_flight && it == q.slots.begin()) ++it;  // the head in flight stays the head
    const bool new_head = it == q.slots.begin();
    if (new_head && !q.in_flight && !q.slots.empty()) due_.erase({q.slots.front().due_ms, p.customer_id});
    q.slots.insert(it, Slot{p.seq, p.next_attempt_at_ms});
    ++depth_;
    if (new_head && !q.in_flight) schedule_head(p.customer_id, q);
  }
  publish_depth();
  cv_.notify_one();
}

void ChannelDispatcher::customer_updated(const std::string& customer_id) {
  {
    std::lock_guard lock(mutex_);
    auto it = queues_.find(customer_id);
    if (it == queues_.end() || it->second.in_flight || it->second.slots.empty()) return;
    auto& head = it->second.slots.front();
    due_.erase({head.due_ms, customer_id});
    head.due_ms = std::min(head.due_ms, now_ms_());
    schedule_head(customer_id, it->second);
  }
  cv_.notify_one();
}

std::size_t ChannelDispatcher::depth() const {
  std::lock_guard lock(mutex_);
  return depth_;
}

void ChannelDispatcher::schedule_head(const std::string& customer, CustomerQueue& q) {
  due_.insert({q.slots.front().due_ms, customer});
}

void ChannelDispatcher::publish_depth() {
  depth_gauge_.Set(static_cast<double>(depth()));
}

void ChannelDispatcher::worker_loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (due_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto [due_ms, customer] = *due_.begin();
    const auto now = now_ms_();
    if (due_ms > now) {
      cv_.wait_for(lock, std::chrono::milliseconds(due_ms - now));
      continue;
    }
    due_.erase(due_.begin());
    auto& q = queues_[customer];
    q.in_flight = true;
    const auto seq = q.slots.front().seq;
    // Another due head may be waiting for a worker.
    if (!due_.empty()) cv_.notify_one();
    lock.unlock();

    std::pair<Result, std::int64_t> outcome{Result::rescheduled, now_ms_() + 1000};
    try {
      outcome = attempt(seq);
    } catch (const std::exception& e) {
      log_.error("notification attempt failed unexpectedly",
                 {{"channel", channel_name_}, {"seq", static_cast<std::int64_t>(seq)}, {"error_details", e.what()}});
    }

    lock.lock();
    auto& after = queues_[customer];
    after.in_flight = false;
    if (outcome.first == Result::rescheduled) {
      after.slots.front().due_ms = outcome.second;
    } else {
      after.slots.pop_front();
      --depth_;
    }
    if (after.slots.empty()) {
      queues_.erase(customer);
    } else {
      schedule_head(customer, after);
    }
    lock.unlock();
    publish_depth();
    lock.lock();
  }
}

OutgoingMessage ChannelDispatcher::message_for(const PendingDelivery& p, const std::optional<CustomerProfile>& profile,
                                               Language language) const {
  OutgoingMessage m;
  m.notification_id = p.notification_id;
  m.customer_id = p.customer_id;
  m.language = language;
  m.type = p.type;
  m.order_id = p.order_id;
  m.activation_id = p.activation_id;
  m.correlation_id = p.correlation_id;
  switch (channel_) {
    case Channel::email:
      if (profile) m.recipient = profile->email;
      break;
    case Channel::push:
      m.recipient = p.customer_id;  // the gateway knows the customer's devices
      break;
    case Channel::vehicle_display: {
      auto vin = p.variables.find("vin");
      if (vin != p.variables.end()) m.recipient = vin->second;
      break;
    }
  }
  return m;
}

std::pair<ChannelDispatcher::Result, std::int64_t> ChannelDispatcher::attempt(std::uint64_t seq) {
  auto pending = store_.pending(seq);
  if (!pending) return {Result::vanished, 0};  // finished meanwhile
  const auto& p = *pending;
  const auto profile = store_.profile(p.customer_id);
  const auto language = profile ? profile->language : settings_.default_language;
  auto message = message_for(p, profile, language);

  SendResult result;
  std::string rendered_language;
  if (message.recipient.empty()) {
    result = channel_ == Channel::email
                 ? SendResult::transient(std::string(kNoContactAddress), "the customer has no e-mail address yet")
                 : SendResult::permanent("no_recipient", "no recipient for the " + channel_name_ + " channel");
  } else if (auto rendered = templates_.render(p.type, language, channel_, p.variables); !rendered) {
    result = SendResult::permanent("template_error", rendered.error().message);
  } else {
    message.content = std::move(*rendered);
    rendered_language = std::string(to_string(language));
    const auto started = std::chrono::steady_clock::now();
    result = sender_.send(message);
    const auto kind = result.kind == SendResult::Kind::accepted    ? "accepted"
                      : result.kind == SendResult::Kind::transient ? "transient"
                                                                   : "permanent";
    probe_.attempt.with({{"channel", channel_name_}, {"outcome", kind}})
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  const auto now = now_ms_();
  const auto decision = decide_after_attempt(p, result, rules_, now);
  if (!recorder_.record(p, result, decision, rendered_language, now)) {
    // The store refused the write: try the same record again shortly.
    return {Result::rescheduled, now + 1000};
  }
  if (decision.action == AttemptDecision::Action::retry) return {Result::rescheduled, decision.next_attempt_at_ms};
  return {Result::finished, 0};
}

}  // namespace caas::notification
