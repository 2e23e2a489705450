#include <caas/kafka/statistics.hpp>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <system_error>

namespace caas::kafka {

namespace {

Error stats_error(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), "librdkafka statistics: " + std::move(message)};
}

std::int64_t int_field(const rapidjson::Value& obj, const char* name, std::int64_t fallback) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt64()) return fallback;
  return it->value.GetInt64();
}

std::string_view string_field(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

Result<ClientStatistics> parse_statistics(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return stats_error("JSON error at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                       rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return stats_error("top level is not an object");
  ClientStatistics s;
  s.client = std::string(string_field(doc, "name"));
  s.type = std::string(string_field(doc, "type"));
  if (s.client.empty() || s.type.empty() || !doc.HasMember("msg_cnt")) {
    return stats_error("missing name, type or msg_cnt");
  }
  s.queue_messages = int_field(doc, "msg_cnt", 0);
  s.queue_bytes = int_field(doc, "msg_size", 0);
  if (s.type != "consumer") return s;
  auto topics = doc.FindMember("topics");
  if (topics == doc.MemberEnd() || !topics->value.IsObject()) return s;
  for (const auto& topic : topics->value.GetObject()) {
    auto partitions = topic.value.FindMember("partitions");
    if (partitions == topic.value.MemberEnd() || !partitions->value.IsObject()) continue;
    for (const auto& p : partitions->value.GetObject()) {
      const auto id = int_field(p.value, "partition", -1);
      if (id < 0) continue;  // the internal UA ("unassigned") partition
      if (string_field(p.value, "fetch_state") != "active") continue;
      // The application's position (app_offset) is what the service has been
      // handed; the committed offset (librdkafka's consumer_lag) is only a
      // hint here, as services keep their offsets in their store.
      const auto high = int_field(p.value, "hi_offset", -1);
      const auto position = int_field(p.value, "app_offset", -1);
      auto lag = (high >= 0 && position >= 0) ? high - position : int_field(p.value, "consumer_lag", -1);
      if (lag < 0) continue;
      s.lags.push_back(
          {std::string(topic.name.GetString(), topic.name.GetStringLength()), static_cast<std::int32_t>(id), lag});
    }
  }
  return s;
}

}  // namespace caas::kafka
