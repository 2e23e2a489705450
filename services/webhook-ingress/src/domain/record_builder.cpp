#include "domain/record_builder.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/ids.hpp>
#include <caas/events/json.hpp>

#include <system_error>

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

namespace {

bool is_receipt_member(std::string_view k) {
  return k == "received_at" || k == "source" || k == "request_id" || k == "secret_id" || k == "webhook_id";
}

rapidjson::Value::StringRefType ref(const std::string& s) {
  return {s.data(), static_cast<rapidjson::SizeType>(s.size())};
}

}  // namespace

void attach_receipt(rapidjson::Value& item, const Receipt& receipt, rapidjson::Document::AllocatorType& allocator) {
  if (!item.IsObject()) item.SetObject();
  for (auto m = item.MemberBegin(); m != item.MemberEnd();) {
    if (is_receipt_member({m->name.GetString(), m->name.GetStringLength()})) {
      m = item.EraseMember(m);  // keeps the order of the others
    } else {
      ++m;
    }
  }
  item.AddMember("received_at", ref(receipt.received_at), allocator);
  item.AddMember("source", ref(receipt.source), allocator);
  item.AddMember("request_id", ref(receipt.request_id), allocator);
  item.AddMember("secret_id", ref(receipt.secret_id), allocator);
  if (!receipt.webhook_id.empty()) item.AddMember("webhook_id", ref(receipt.webhook_id), allocator);
}

std::string build_data(const rapidjson::Value& item, const Receipt& receipt) {
  rapidjson::Document data;
  data.CopyFrom(item, data.GetAllocator());
  attach_receipt(data, receipt, data.GetAllocator());
  return events::to_json(data);
}

Result<kafka::Record> build_record(const SourceConfig& source, std::string_view key, std::string data_json,
                                   const Receipt& receipt, std::string_view event_id) {
  if (key.empty()) return Error{make_error_code(std::errc::invalid_argument), "subject: must not be empty"};
  if (receipt.request_id.empty()) {
    return Error{make_error_code(std::errc::invalid_argument), "correlationid: must not be empty"};
  }
  // Filled directly: the data was parsed strictly and written by this
  // service, so the envelope builder's re-parse would only cost time.
  events::Envelope env;
  env.id = std::string(event_id);
  env.source = std::string(kEventSource);
  env.type = source.event_type();
  env.subject = std::string(key);
  env.time = receipt.received_at;
  env.dataschema = events::dataschema_for(source.event_type(), source.schema_version());
  env.correlationid = receipt.request_id;
  env.data = std::move(data_json);
  kafka::Record record;
  record.topic = source.topic;
  record.key = std::string(key);
  record.value = events::serialize(env);
  for (auto& [k, v] : events::kafka_headers(env)) record.headers.push_back({std::move(k), std::move(v)});
  record.headers.push_back({"ingress.source", receipt.source});
  return record;
}

}  // namespace caas::ingress
