#include "domain/record_builder.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/ids.hpp>
#include <caas/events/json.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace caas::ingress {

std::string derive_event_id(std::string_view source, std::string_view basis, std::size_t index) {
  // Name "<source>\n<index>\n<basis>": the shared layout (kind "\n" basis)
  // with the item index leading the basis, as the ids on the topics have it.
  std::string indexed = std::to_string(index);
  indexed.reserve(indexed.size() + 1 + basis.size());
  indexed.push_back('\n');
  indexed.append(basis);
  return events::derive_event_id(source, indexed);
}

std::string build_data(const rapidjson::Value& item, const Receipt& receipt) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto is_receipt = [](std::string_view k) {
    return k == "received_at" || k == "source" || k == "request_id" || k == "secret_id" || k == "webhook_id";
  };
  w.StartObject();
  if (item.IsObject()) {
    for (auto m = item.MemberBegin(); m != item.MemberEnd(); ++m) {
      if (is_receipt({m->name.GetString(), m->name.GetStringLength()})) continue;
      w.Key(m->name.GetString(), m->name.GetStringLength());
      m->value.Accept(w);
    }
  }
  auto put = [&w](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  };
  put("received_at", receipt.received_at);
  put("source", receipt.source);
  put("request_id", receipt.request_id);
  put("secret_id", receipt.secret_id);
  if (!receipt.webhook_id.empty()) put("webhook_id", receipt.webhook_id);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

Result<kafka::Record> build_record(const SourceConfig& source, std::string_view key, std::string_view data_json,
                                   const Receipt& receipt, std::string_view event_id,
                                   std::chrono::system_clock::time_point now) {
  const std::string id(event_id);
  auto env = events::make_envelope(
      source.event_type(), kEventSource, key, data_json, receipt.request_id, {}, [now] { return now; },
      [&id] { return id; });
  if (!env) return env.error();
  env->dataschema = events::dataschema_for(source.event_type(), source.schema_version());
  kafka::Record record;
  record.topic = source.topic;
  record.key = std::string(key);
  record.value = events::serialize(*env);
  for (auto& [k, v] : events::kafka_headers(*env)) record.headers.push_back({k, v});
  record.headers.push_back({"ingress.source", receipt.source});
  return record;
}

}  // namespace caas::ingress
