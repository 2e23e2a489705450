#include "app/partition_owners.hpp"

#include "domain/ownership.hpp"

namespace caas::telemetry {

PartitionOwners::PartitionOwners(const kafka::ClientConfig& client, std::string group_id, std::string topic,
                                 int partitions, const store::StateStore& store, Probe& probe,
                                 observability::Logger log, std::chrono::milliseconds interval)
    : topic_(std::move(topic)),
      partitions_(partitions),
      store_(store),
      probe_(probe),
      log_(std::move(log)),
      interval_(interval),
      served_(static_cast<std::size_t>(partitions), false) {
  kafka::ConsumerOptions o;
  o.group_id = std::move(group_id);
  consumer_ = std::make_unique<kafka::Consumer>(client, std::move(o));
}

PartitionOwners::~PartitionOwners() {
  stop();
}

void PartitionOwners::start() {
  thread_.start(interval_, [this] { refresh(); });
}

void PartitionOwners::stop() {
  thread_.stop();
}

bool PartitionOwners::refresh() {
  std::vector<kafka::TopicPartition> tps;
  for (int p = 0; p < partitions_; ++p) tps.push_back({topic_, p});
  auto committed = consumer_->committed(tps, std::chrono::milliseconds(2000));
  if (!committed) {
    log_.warn("cannot read the group's committed offsets", {{"error", committed.error().message}});
    return false;
  }
  std::vector<bool> served(static_cast<std::size_t>(partitions_), false);
  int count = 0;
  for (const auto& c : *committed) {
    if (c.partition < 0 || c.partition >= partitions_) continue;
    const auto group = c.offset >= 0 ? std::optional(c.offset) : std::nullopt;
    const bool s = partition_served(store_.offset(topic_, c.partition), group);
    served[static_cast<std::size_t>(c.partition)] = s;
    count += s ? 1 : 0;
  }
  probe_.partitions_served.Set(count);
  std::lock_guard lock(mutex_);
  if (served != served_) log_.info("partitions served", {{"partitions", static_cast<std::int64_t>(count)}});
  served_ = std::move(served);
  known_ = true;
  return true;
}

bool PartitionOwners::known() const {
  std::lock_guard lock(mutex_);
  return known_;
}

bool PartitionOwners::serves(std::int32_t partition) const {
  std::lock_guard lock(mutex_);
  return partition >= 0 && static_cast<std::size_t>(partition) < served_.size() &&
         served_[static_cast<std::size_t>(partition)];
}

bool PartitionOwners::serves_all() const {
  std::lock_guard lock(mutex_);
  return known_ && std::all_of(served_.begin(), served_.end(), [](bool b) { return b; });
}

}  // namespace caas::telemetry
