#pragma once
// Connection settings shared by Producer, Consumer and TopicAdmin.

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace caas::kafka {

struct ClientConfig {
  /// "host:port,host:port" (bootstrap.servers).
  std::string bootstrap;
  /// client.id, shows up in broker logs and quotas; empty = librdkafka's default.
  std::string client_id;
  /// Raw librdkafka properties applied last, so they win over everything the
  /// wrappers set (e.g. {"security.protocol","ssl"}, {"debug","broker"}).
  /// An unknown property or bad value makes the constructor throw.
  std::map<std::string, std::string> overrides;
};

/// Receives librdkafka's statistics JSON (see librdkafka STATISTICS.md and
/// parse_statistics() in statistics.hpp) every `stats_interval`: on the
/// producer's poll thread, or inside Consumer::poll().
using StatsCallback = std::function<void(std::string_view json)>;

}  // namespace caas::kafka
