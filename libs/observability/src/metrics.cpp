#include "caas/observability/metrics.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace caas::observability {

const prometheus::Histogram::BucketBoundaries& default_latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                0.25,  0.5,    1.0,   2.5,  5.0,   10.0, 30.0};
  return kBuckets;
}

namespace {

struct ProcStat {
  double utime_ticks = 0;
  double stime_ticks = 0;
  double start_ticks = 0;
  double vsize_bytes = 0;
  double rss_pages = 0;
  bool ok = false;
};

ProcStat read_proc_self_stat() {
  ProcStat s;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return s;
  // The command name (field 2) may contain spaces: parse after its last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string tok; rest >> tok;) f.push_back(tok);
  if (f.size() < 22) return s;
  s.utime_ticks = std::stod(f[11]);  // field 14
  s.stime_ticks = std::stod(f[12]);  // field 15
  s.start_ticks = std::stod(f[19]);  // field 22
  s.vsize_bytes = std::stod(f[20]);  // field 23
  s.rss_pages = std::stod(f[21]);    // field 24
  s.ok = true;
  return s;
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

prometheus::MetricFamily gauge_family(std::string name, std::string help, double value,
                                      prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

}  // namespace

ProcessCollector::ProcessCollector() {
  const auto st = read_proc_self_stat();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double btime = boot_time_seconds();
  if (st.ok && ticks > 0 && btime > 0) {
    start_time_seconds_ = btime + st.start_ticks / ticks;
  } else {  // no /proc: the collector's creation is the best approximation
    start_time_seconds_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  out.push_back(gauge_family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                             start_time_seconds_));
  const auto st = read_proc_self_stat();
  if (st.ok) {
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    out.push_back(gauge_family("process_resident_memory_bytes", "Resident memory size in bytes.", st.rss_pages * page));
    out.push_back(gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.", st.vsize_bytes));
    if (ticks > 0) {
      out.push_back(gauge_family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                                 (st.utime_ticks + st.stime_ticks) / ticks, prometheus::MetricType::Counter));
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  if (!ec) {
    // The iterator's own descriptor is counted too; close enough for a gauge.
    out.push_back(gauge_family("process_open_fds", "Number of open file descriptors.", static_cast<double>(fds)));
  }
  return out;
}

Metrics::Metrics(bool process_metrics) : registry_(std::make_shared<prometheus::Registry>()) {
  if (process_metrics) process_ = std::make_shared<ProcessCollector>();
}

prometheus::Family<prometheus::Counter>& Metrics::counter_family(const std::string& name, const std::string& help,
                                                                 const prometheus::Labels& constant_labels) {
  declare(name, help, "counter");
  return prometheus::BuildCounter().Name(name).Help(help).Labels(constant_labels).Register(*registry_);
}

prometheus::Family<prometheus::Gauge>& Metrics::gauge_family(const std::string& name, const std::string& help,
                                                             const prometheus::Labels& constant_labels) {
  declare(name, help, "gauge");
  return prometheus::BuildGauge().Name(name).Help(help).Labels(constant_labels).Register(*registry_);
}

HistogramFamily Metrics::histogram_family(const std::string& name, const std::string& help,
                                          prometheus::Histogram::BucketBoundaries buckets,
                                          const prometheus::Labels& constant_labels) {
  declare(name, help, "histogram");
  auto& family = prometheus::BuildHistogram().Name(name).Help(help).Labels(constant_labels).Register(*registry_);
  return HistogramFamily(family, std::move(buckets));
}

prometheus::Counter& Metrics::counter(const std::string& name, const std::string& help,
                                      const prometheus::Labels& labels) {
  return counter_family(name, help).Add(labels);
}

prometheus::Gauge& Metrics::gauge(const std::string& name, const std::string& help, const prometheus::Labels& labels) {
  return gauge_family(name, help).Add(labels);
}

void Metrics::declare(const std::string& name, const std::string& help, const char* type) {
  std::lock_guard lock(declared_mutex_);
  declared_.try_emplace(name, Declared{help, type});
}

void Metrics::add_collectable(std::weak_ptr<prometheus::Collectable> collectable) {
  std::lock_guard lock(extra_mutex_);
  extra_.push_back(std::move(collectable));
}

std::string Metrics::serialize() const {
  auto families = registry_->Collect();
  if (process_) {
    auto more = process_->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  {
    std::lock_guard lock(extra_mutex_);
    for (const auto& weak : extra_) {
      if (auto c = weak.lock()) {
        auto more = c->Collect();
        families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      }
    }
  }
  auto text = prometheus::TextSerializer().Serialize(families);
  std::lock_guard lock(declared_mutex_);
  for (const auto& [name, d] : declared_) {
    const bool listed = std::any_of(families.begin(), families.end(), [&](const auto& f) { return f.name == name; });
    if (!listed)
      text.append("# HELP ")
          .append(name)
          .append(" ")
          .append(d.help)
          .append("\n# TYPE ")
          .append(name)
          .append(" ")
          .append(d.type)
          .append("\n");
  }
  return text;
}

ScopedTimer::ScopedTimer(const HistogramFamily& family, prometheus::Labels labels, std::string initial_outcome)
    : family_(family),
      labels_(std::move(labels)),
      outcome_(std::move(initial_outcome)),
      start_(std::chrono::steady_clock::now()) {}

double ScopedTimer::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

ScopedTimer::~ScopedTimer() {
  if (cancelled_) return;
  try {
    auto labels = labels_;
    labels["outcome"] = outcome_;
    family_.with(labels).Observe(elapsed_seconds());
  } catch (...) {  // a destructor must not throw; a bad label set is a bug caught by tests
  }
}

}  // namespace caas::observability
