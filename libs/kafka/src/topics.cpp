#include <caas/kafka/topics.hpp>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace caas::kafka {
namespace {

int get_int(const rapidjson::Value& obj, const char* field, int fallback, const std::string& where) {
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd()) return fallback;
  if (!it->value.IsInt()) throw std::runtime_error(where + ": '" + field + "' must be an integer");
  return it->value.GetInt();
}

std::string get_string(const rapidjson::Value& obj, const char* field) {
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

const TopicSpec* TopicTable::find(std::string_view name) const {
  for (const auto& t : topics) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TopicTable parse_topic_table(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    throw std::runtime_error(std::string("topic table: JSON error at offset ") + std::to_string(doc.GetErrorOffset()) +
                             ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) throw std::runtime_error("topic table: top level must be an object");
  int default_rf = 3;
  int default_isr = 2;
  if (auto d = doc.FindMember("defaults"); d != doc.MemberEnd() && d->value.IsObject()) {
    default_rf = get_int(d->value, "replication_factor", default_rf, "defaults");
    default_isr = get_int(d->value, "min_insync_replicas", default_isr, "defaults");
  }
  auto topics = doc.FindMember("topics");
  if (topics == doc.MemberEnd() || !topics->value.IsArray()) {
    throw std::runtime_error("topic table: 'topics' array missing");
  }
  TopicTable table;
  for (const auto& t : topics->value.GetArray()) {
    if (!t.IsObject()) throw std::runtime_error("topic table: every topic must be an object");
    TopicSpec spec;
    spec.name = get_string(t, "name");
    if (spec.name.empty()) throw std::runtime_error("topic table: topic without a name");
    const std::string where = "topic " + spec.name;
    spec.partitions = get_int(t, "partitions", 0, where);
    if (spec.partitions < 1) throw std::runtime_error(where + ": partitions must be >= 1");
    spec.replication_factor = get_int(t, "replication_factor", default_rf, where);
    spec.min_insync_replicas = get_int(t, "min_insync_replicas", default_isr, where);
    if (spec.replication_factor < 1) throw std::runtime_error(where + ": bad replication_factor");
    auto ret = t.FindMember("retention_ms");
    if (ret != t.MemberEnd()) {
      if (!ret->value.IsInt64()) throw std::runtime_error(where + ": retention_ms must be an integer");
      spec.retention_ms = ret->value.GetInt64();
    }
    spec.key = get_string(t, "key");
    spec.written_by = get_string(t, "written_by");
    if (table.find(spec.name)) throw std::runtime_error(where + ": listed twice");
    table.topics.push_back(std::move(spec));
  }
  return table;
}

TopicTable load_topic_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("topic table: cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  try {
    return parse_topic_table(buf.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

const TopicTable& builtin_topic_table() {
  // Parsed once, immutable afterwards.
  static const TopicTable table = parse_topic_table(builtin_topic_table_json());
  return table;
}

}  // namespace caas::kafka
