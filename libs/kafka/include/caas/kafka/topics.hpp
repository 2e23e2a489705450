#pragma once
// The declarative topic table (proto-schemas/topics.json, DESIGN.md §3).
// builtin_topic_table() is that file embedded at build time, so the binary,
// caas-devbroker and TopicAdmin can never disagree with the checked-in table.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace caas::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 3;      // table default unless given per topic
  int min_insync_replicas = 2;     // table default unless given per topic
  std::int64_t retention_ms = -1;  // -1 = forever
  std::string key;                 // documentation: what the record key is
  std::string written_by;          // documentation: producing service(s)
};

struct TopicTable {
  std::vector<TopicSpec> topics;
  /// nullptr when absent.
  const TopicSpec* find(std::string_view name) const;
};

/// Parses the JSON table; throws std::runtime_error naming the problem.
TopicTable parse_topic_table(std::string_view json);
/// Reads and parses a file; throws std::runtime_error.
TopicTable load_topic_table(const std::string& path);
/// proto-schemas/topics.json as of the build.
const TopicTable& builtin_topic_table();
/// The raw embedded JSON text.
std::string_view builtin_topic_table_json();

}  // namespace caas::kafka
