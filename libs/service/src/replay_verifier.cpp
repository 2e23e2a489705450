#include "caas/service/replay_verifier.hpp"

#include <caas/core/time.hpp>
#include <caas/events/json_util.hpp>

#include <condition_variable>
#include <map>
#include <set>

#include <unistd.h>

namespace caas::service {

namespace {

std::string shown(std::string_view value) {
  return std::string(value.substr(0, kMaxShownValue));
}

/// Wakes the run whenever a shadow processor polls again, which it does only
/// once the record before is committed (and at least every poll timeout).
struct Progress {
  std::mutex mutex;
  std::condition_variable cv;
  void tick() { cv.notify_all(); }
};

/// The partitions a shadow processor still has to reach, and which of them
/// it has read past its limit. Shared by the processor's thread (the source)
/// and the run's thread.
struct Limits {
  explicit Limits(Progress& p) : progress(p) {}
  Progress& progress;
  std::map<store::TopicPartition, std::int64_t> offsets;  // live offsets: replay up to, exclusive
  std::mutex mutex;
  std::set<store::TopicPartition> passed;

  std::int64_t limit(const store::TopicPartition& tp) const {
    auto it = offsets.find(tp);
    return it == offsets.end() ? 0 : it->second;
  }
  void pass(store::TopicPartition tp) {
    std::lock_guard lock(mutex);
    passed.insert(std::move(tp));
  }
  bool has_passed(const store::TopicPartition& tp) {
    std::lock_guard lock(mutex);
    return passed.count(tp) > 0;
  }
};

/// A Kafka source that ends every partition at the live store's offset:
/// records at or past it never reach the processor. No group commits.
class BoundedSource final : public RecordSource {
 public:
  BoundedSource(const kafka::ClientConfig& client, kafka::ConsumerOptions options, Limits& limits)
      : inner_(client, std::move(options)), limits_(limits) {}
  Result<void> subscribe(const std::vector<std::string>& topics) override { return inner_.subscribe(topics); }
  std::optional<Polled> poll(std::chrono::milliseconds timeout) override {
    limits_.progress.tick();
    auto polled = inner_.poll(timeout);
    if (!polled || polled->is_error() || polled->is_partition_eof()) return polled;
    store::TopicPartition tp{std::string(polled->topic()), polled->partition()};
    if (polled->view().offset >= limits_.limit(tp)) {
      limits_.pass(std::move(tp));
      return std::nullopt;
    }
    return polled;
  }
  Result<void> pause(const std::vector<kafka::TopicPartition>& p) override { return inner_.pause(p); }
  Result<void> resume(const std::vector<kafka::TopicPartition>& p) override { return inner_.resume(p); }
  Result<void> commit(const std::vector<kafka::TopicPartitionOffset>&, bool) override { return {}; }
  bool close() override { return inner_.close(); }

 private:
  KafkaRecordSource inner_;
  Limits& limits_;
};

Error verify_error(std::string message) {
  return Error{std::make_error_code(std::errc::io_error), std::move(message)};
}

}  // namespace

std::string_view to_string(StoreDifference::Kind kind) {
  switch (kind) {
    case StoreDifference::Kind::differs:
      return "differs";
    case StoreDifference::Kind::missing_in_shadow:
      return "missing_in_shadow";
    case StoreDifference::Kind::missing_in_live:
      return "missing_in_live";
  }
  return "differs";
}

StoreComparison compare_stores(const store::StateStore& live, const store::StateStore& shadow,
                               const std::vector<std::string>& prefixes, std::size_t max_listed) {
  StoreComparison c;
  auto note = [&](StoreDifference d) {
    if (c.differences.size() < max_listed) c.differences.push_back(std::move(d));
  };
  for (const auto& prefix : prefixes) {
    live.scan_prefix(prefix, [&](std::string_view key, std::string_view value) {
      ++c.live_keys;
      auto other = shadow.get(key);
      if (!other) {
        ++c.missing_in_shadow;
        note({StoreDifference::Kind::missing_in_shadow, std::string(key), shown(value), {}});
      } else if (*other != value) {
        ++c.differing;
        note({StoreDifference::Kind::differs, std::string(key), shown(value), shown(*other)});
      } else {
        ++c.equal;
      }
      return true;
    });
    shadow.scan_prefix(prefix, [&](std::string_view key, std::string_view value) {
      ++c.shadow_keys;
      if (!live.get(key)) {
        ++c.missing_in_live;
        note({StoreDifference::Kind::missing_in_live, std::string(key), {}, shown(value)});
      }
      return true;
    });
  }
  return c;
}

std::string report_json(const ReplayReport& r) {
  events::json::Writer j;
  const auto& c = r.comparison;
  j.begin_object()
      .field("service", r.service)
      .field("started_at", r.started_at)
      .field("finished_at", r.finished_at)
      .field("records_applied", static_cast<std::int64_t>(r.records_applied))
      .field("live_moved", r.live_moved)
      .string_array("key_prefixes", r.key_prefixes)
      .field("live_keys", static_cast<std::int64_t>(c.live_keys))
      .field("shadow_keys", static_cast<std::int64_t>(c.shadow_keys))
      .field("equal", static_cast<std::int64_t>(c.equal))
      .field("differing", static_cast<std::int64_t>(c.differing))
      .field("missing_in_shadow", static_cast<std::int64_t>(c.missing_in_shadow))
      .field("missing_in_live", static_cast<std::int64_t>(c.missing_in_live))
      .field("difference_count", static_cast<std::int64_t>(c.total_differences()))
      .field("differences_truncated", !c.listed_all());
  j.key("partitions").begin_array();
  for (const auto& p : r.partitions) {
    j.begin_object()
        .field("topic", p.topic)
        .field("partition", static_cast<std::int64_t>(p.partition))
        .field("live_offset", p.live_offset)
        .field("shadow_offset", p.shadow_offset)
        .field("moved", p.moved)
        .end_object();
  }
  j.end_array().key("differences").begin_array();
  for (const auto& d : c.differences) {
    j.begin_object().field("key", d.key).field("kind", to_string(d.kind));
    if (d.kind != StoreDifference::Kind::missing_in_live) j.field("live", d.live);
    if (d.kind != StoreDifference::Kind::missing_in_shadow) j.field("shadow", d.shadow);
    j.end_object();
  }
  j.end_array().end_object();
  return j.str();
}

ReplayVerifier::ReplayVerifier(ReplayVerifierOptions options, kafka::ClientConfig client, store::StateStore& live,
                               const events::SchemaRegistry& schemas, observability::Logger log, ShadowFactory factory)
    : options_(std::move(options)),
      client_(std::move(client)),
      live_(live),
      schemas_(schemas),
      log_(std::move(log)),
      factory_(std::move(factory)) {}

ReplayVerifier::~ReplayVerifier() {
  stop();
}

void ReplayVerifier::stop() {
  stopping_ = true;
  std::thread worker;
  {
    std::lock_guard lock(mutex_);
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

bool ReplayVerifier::request(std::function<void(Result<ReplayReport>)> done) {
  std::lock_guard lock(mutex_);
  if (running_) return false;
  if (worker_.joinable()) worker_.join();  // the previous run has finished (running_ is false)
  running_ = true;
  worker_ = std::thread([this, done = std::move(done)] {
    auto result = run();
    {
      std::lock_guard l(mutex_);
      running_ = false;
    }
    done(std::move(result));
  });
  return true;
}

Result<ReplayReport> ReplayVerifier::run() {
  if (stopping_) return verify_error("the service is stopping");
  ReplayReport report;
  report.service = options_.service;
  report.key_prefixes = options_.key_prefixes;
  report.started_at = format_rfc3339(std::chrono::system_clock::now());
  const auto live_offsets = live_.all_offsets();
  std::uint64_t run_no = 0;
  {
    std::lock_guard lock(mutex_);
    run_no = ++runs_;
  }
  const auto dir = options_.data_dir / ("verify-replay-" + std::to_string(::getpid()) + "-" + std::to_string(run_no));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir.parent_path(), ec);
  try {
    struct Cleanup {
      std::filesystem::path dir;
      ~Cleanup() {
        std::error_code e;
        std::filesystem::remove_all(dir, e);
      }
    } cleanup{dir};
    auto shadow = store::StateStore::open(dir, store::StoreOptions{false, true});
    observability::Metrics metrics(false);
    auto wiring = factory_(*shadow, metrics);
    Progress progress;
    std::vector<std::unique_ptr<Limits>> limits;
    std::vector<std::unique_ptr<EventProcessor>> processors;
    const auto group = "caas-" + options_.service + "-verify-replay-" + std::to_string(::getpid()) + "-" +
                       std::to_string(run_no) + "-" +
                       std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    for (auto& p : wiring.processors) {
      auto l = std::make_unique<Limits>(progress);
      for (const auto& [tp, off] : live_offsets) {
        for (const auto& t : p.options.topics) {
          if (tp.topic == t && off > 0) l->offsets[tp] = off;
        }
      }
      for (const auto& [tp, off] : l->offsets) report.partitions.push_back({tp.topic, tp.partition, off, 0, false});
      auto options = p.options;
      options.service = options_.service;
      options.group_id = group + "-" + std::to_string(processors.size());  // a group of its own each
      options.stats_interval = {};
      options.on_stats = {};
      options.on_caught_up = {};
      Limits* lp = l.get();
      const auto client = client_;
      RecordSourceFactory make = [client, lp](kafka::ConsumerOptions o) -> std::unique_ptr<RecordSource> {
        return std::make_unique<BoundedSource>(client, std::move(o), *lp);
      };
      processors.push_back(std::make_unique<EventProcessor>(std::move(options), std::move(make), *shadow, schemas_,
                                                            log_, metrics, p.handler));
      limits.push_back(std::move(l));
    }
    for (auto& proc : processors) proc->start();
    auto reached = [&] {
      for (auto& l : limits) {
        for (const auto& [tp, off] : l->offsets) {
          const auto at = shadow->offset(tp.topic, tp.partition).value_or(0);
          if (at < off && !l->has_passed(tp)) return false;
        }
      }
      return true;
    };
    bool done = false;
    {
      std::unique_lock lock(progress.mutex);
      done = progress.cv.wait_for(lock, options_.timeout, [&] { return stopping_ || reached(); });
    }
    if (stopping_) done = false;
    for (auto& proc : processors) {
      report.records_applied += proc->applied_total();
      proc->stop();
    }
    if (stopping_) return verify_error("the service is stopping");
    if (!done) return verify_error("the replay did not reach the live offsets within the timeout");
    if (wiring.after_replay) wiring.after_replay();
    report.comparison = compare_stores(live_, *shadow, options_.key_prefixes, options_.max_listed);
    const auto now_offsets = live_.all_offsets();
    for (auto& p : report.partitions) {
      p.shadow_offset = shadow->offset(p.topic, p.partition).value_or(0);
      auto it = now_offsets.find({p.topic, p.partition});
      p.moved = it != now_offsets.end() && it->second != p.live_offset;
      report.live_moved = report.live_moved || p.moved;
    }
    processors.clear();
    wiring = {};
    shadow.reset();
  } catch (const std::exception& e) {
    return verify_error(std::string("replay verification failed: ") + e.what());
  }
  report.finished_at = format_rfc3339(std::chrono::system_clock::now());
  log_.info("replay verified", {{"differences", static_cast<std::int64_t>(report.comparison.total_differences())},
                                {"records_applied", static_cast<std::int64_t>(report.records_applied)},
                                {"live_moved", report.live_moved}});
  return report;
}

void add_verify_replay_route(http::Router& router, const Authenticator& auth, ReplayVerifier& verifier) {
  router.add("POST", "/admin/verify-replay", [&auth, &verifier](http::Request&& req, http::Responder respond) {
    auto who = auth.authenticate(req);
    if (!who) return respond(http::error_response(401, "unauthenticated", who.error().message));
    if (who->role != security::Role::admin && who->role != security::Role::operator_) {
      return respond(http::error_response(403, "forbidden", "admin or operator role required"));
    }
    // The run takes as long as the replay: it runs on the verifier's thread
    // and answers from there, never on the HTTP strand.
    auto shared = std::make_shared<http::Responder>(std::move(respond));
    const bool started = verifier.request([shared](Result<ReplayReport> r) {
      if (!r) {
        (*shared)(http::error_response(500, "verify_failed", r.error().message));
      } else {
        (*shared)(http::Response::json(200, report_json(*r)));
      }
    });
    if (!started) (*shared)(http::error_response(409, "conflict", "a replay verification is already running"));
  });
}

}  // namespace caas::service
