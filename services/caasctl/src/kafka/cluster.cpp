#include "kafka/cluster.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace caas::ctl {

namespace {

Error failure(std::string message) {
  return Error{std::make_error_code(std::errc::io_error), std::move(message)};
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

Result<std::map<std::string, std::string>> parse_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    const auto line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      return usage_error("properties line " + std::to_string(line_no) + ": expected key=value");
    }
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

Result<std::map<std::string, std::string>> load_properties(const std::string& path) {
  std::ifstream in(path);
  if (!in) return usage_error("cannot read the properties file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  auto props = parse_properties(ss.str());
  if (!props) return usage_error(path + ": " + props.error().message);
  return props;
}

Cluster::Cluster(ConnectOptions options) : options_(std::move(options)) {}

Cluster::~Cluster() = default;

kafka::ClientConfig Cluster::client(const std::string& id) const {
  kafka::ClientConfig c{options_.bootstrap, id, options_.properties};
  c.overrides.erase("bootstrap.servers");
  return c;
}

Result<std::unique_ptr<Cluster>> Cluster::connect(ConnectOptions options) {
  if (options.bootstrap.empty()) {
    if (auto it = options.properties.find("bootstrap.servers"); it != options.properties.end()) {
      options.bootstrap = it->second;
    }
  }
  if (options.bootstrap.empty()) {
    return usage_error(
        "no broker: pass --bootstrap HOST:PORT, set CAAS_KAFKA_BOOTSTRAP, or bootstrap.servers in --config");
  }
  auto cluster = std::make_unique<Cluster>(std::move(options));
  try {
    cluster->meta_ = std::make_unique<kafka::Consumer>(cluster->client("caasctl"), kafka::ConsumerOptions{});
  } catch (const std::exception& e) {
    return usage_error(std::string("bad Kafka client configuration: ") + e.what());
  }
  return cluster;
}

Result<std::vector<TopicInfo>> Cluster::topics(bool include_internal) {
  const rd_kafka_metadata_t* md = nullptr;
  const auto err = rd_kafka_metadata(meta_->raw(), 1, nullptr, &md, static_cast<int>(options_.timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return failure(std::string("metadata request failed: ") + rd_kafka_err2str(err));
  }
  std::vector<TopicInfo> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    std::string name(t.topic);
    if (!include_internal && name.starts_with("__")) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    out.push_back({std::move(name), {}});
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.begin(), out.end(), [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
  for (auto& t : out) {
    auto parts = partitions(t.name);
    if (!parts) return parts.error();
    t.partitions = std::move(*parts);
  }
  return out;
}

Result<std::vector<PartitionInfo>> Cluster::partitions(const std::string& topic) {
  auto wm = meta_->query_watermarks(topic, options_.timeout);
  if (!wm) return failure("watermarks of " + topic + ": " + wm.error().message);
  std::vector<PartitionInfo> out;
  for (const auto& w : *wm) out.push_back({w.partition, w.low, w.high});
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.partition < b.partition; });
  return out;
}

Result<void> Cluster::read(const ReadRequest& request, const OnRecord& on_record) {
  kafka::Consumer consumer(client("caasctl-read"), kafka::ConsumerOptions{});
  std::vector<kafka::TopicPartitionOffset> assign;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> end;  // high watermark as of the start
  for (const auto& topic : request.topics) {
    auto parts = partitions(topic);
    if (!parts) return parts.error();
    for (const auto& p : *parts) {
      if (!request.from_offsets.empty() && !request.from_offsets.count({topic, p.partition})) continue;
      if (!request.partitions.empty() &&
          std::find(request.partitions.begin(), request.partitions.end(), p.partition) == request.partitions.end()) {
        continue;
      }
      auto it = request.from_offsets.find({topic, p.partition});
      const auto start =
          it != request.from_offsets.end() ? std::max(it->second, p.low) : request.from.resolve(p.low, p.high);
      if (!request.follow && start >= p.high) continue;
      assign.push_back({topic, p.partition, start});
      end[{topic, p.partition}] = p.high;
    }
  }
  if (assign.empty() && !request.follow) return {};
  if (auto r = consumer.assign(assign); !r) return failure("assign failed: " + r.error().message);
  std::size_t remaining = assign.size();
  auto last_progress = std::chrono::steady_clock::now();
  for (;;) {
    if (request.interrupted && request.interrupted->load()) break;
    if (!request.follow && remaining == 0) break;
    auto msg = consumer.poll(std::chrono::milliseconds(200));
    if (!msg) {
      if (!request.follow && std::chrono::steady_clock::now() - last_progress > options_.timeout) {
        return failure("timed out reading: " + std::to_string(remaining) + " partition(s) did not reach their end");
      }
      continue;
    }
    if (msg->is_partition_eof()) continue;
    if (msg->error()) return failure("read failed: " + msg->error_message());
    last_progress = std::chrono::steady_clock::now();
    if (!request.follow) {
      auto it = end.find({std::string(msg->topic()), msg->partition()});
      if (it == end.end() || it->second < 0) continue;
      if (msg->offset() >= it->second - 1) {
        const bool beyond = msg->offset() >= it->second;
        it->second = -1;  // done
        --remaining;
        if (beyond) continue;
      }
    }
    if (!on_record(*msg)) break;
  }
  consumer.close();
  return {};
}

Result<std::vector<std::string>> Cluster::groups() {
  const rd_kafka_group_list* list = nullptr;
  const auto err = rd_kafka_list_groups(meta_->raw(), nullptr, &list, static_cast<int>(options_.timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return failure(std::string("listing consumer groups failed (name one with --group): ") + rd_kafka_err2str(err));
  }
  std::vector<std::string> out;
  for (int i = 0; i < list->group_cnt; ++i) out.emplace_back(list->groups[i].group);
  rd_kafka_group_list_destroy(list);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<GroupOffset>> Cluster::group_offsets(const std::string& group,
                                                        const std::vector<std::string>& topics) {
  kafka::ConsumerOptions copts;
  copts.group_id = group;  // never subscribes: only asks the coordinator for committed offsets
  kafka::Consumer consumer(client("caasctl-lag"), copts);
  std::vector<kafka::TopicPartition> asked;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> high;
  for (const auto& topic : topics) {
    auto parts = partitions(topic);
    if (!parts) return parts.error();
    for (const auto& p : *parts) {
      asked.push_back({topic, p.partition});
      high[{topic, p.partition}] = p.high;
    }
  }
  auto committed = consumer.committed(asked, options_.timeout);
  if (!committed) return failure("committed offsets of group " + group + ": " + committed.error().message);
  std::vector<GroupOffset> out;
  for (const auto& c : *committed) {
    if (c.offset < 0) continue;
    out.push_back({c.topic, c.partition, c.offset, high[{c.topic, c.partition}]});
  }
  consumer.close();
  return out;
}

kafka::Producer& Cluster::producer() {
  if (!producer_) {
    kafka::ProducerOptions popts;
    popts.delivery_timeout = options_.timeout;
    popts.close_timeout = options_.timeout;
    producer_ = std::make_unique<kafka::Producer>(client("caasctl"), popts);
  }
  return *producer_;
}

Result<kafka::DeliveryReport> Cluster::produce(kafka::Record record) {
  auto future = producer().send_async(std::move(record));
  if (future.wait_for(options_.timeout + std::chrono::seconds(1)) != std::future_status::ready) {
    return failure("no acknowledgement from the broker in time");
  }
  auto report = future.get();
  if (!report.ok()) return failure("produce failed: " + report.message);
  return report;
}

}  // namespace caas::ctl
