#include "event_factory.hpp"

#include <caas/events/envelope.hpp>

#include <stdexcept>

namespace caas::testing {

kafka::Record event_record(const std::string& topic, const std::string& key, const std::string& type,
                           const std::string& data_json) {
  auto envelope = events::make_envelope(type, "caas/test", key, data_json, "test-correlation", "");
  if (!envelope) throw std::invalid_argument("event_record: " + envelope.error().message);
  kafka::Record record{topic, key, events::serialize(*envelope), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(*envelope)) record.headers.push_back({k, v});
  return record;
}

kafka::Record sample_event(const std::string& topic, const std::string& key, const std::string& name, int count) {
  return event_record(topic, key, "test.sample", R"({"name":")" + name + R"(","count":)" + std::to_string(count) + "}");
}

std::string event_id(const kafka::Record& record) {
  auto id = kafka::find_header(record.headers, "ce_id");
  if (!id) throw std::invalid_argument("record has no ce_id header");
  return std::string(*id);
}

}  // namespace caas::testing
