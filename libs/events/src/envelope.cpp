#include "caas/events/envelope.hpp"

#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>

#include "caas/core/uuid.hpp"
#include "caas/events/errors.hpp"

namespace caas::events {
namespace {
using Bytes16 = std::array<std::uint8_t, 16>;

Error missing(std::string_view attr) {
  return Error{make_error_code(EventsErrc::missing_attribute),
               "envelope attribute '" + std::string(attr) + "' is missing"};
}
Error invalid(std::string_view attr, std::string_view why) {
  return Error{make_error_code(EventsErrc::invalid_attribute),
               "envelope attribute '" + std::string(attr) + "' " + std::string(why)};
}

void put(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
}  // namespace

std::string dataschema_for(std::string_view type, int version) {
  return "proto-schemas/" + std::string(type) + ".v" + std::to_string(version) + ".json";
}

std::string uuid_v4() {
  Bytes16 b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return caas::format_uuid(b, 4);
}

IdGenerator random_uuid_generator() {
  return [] { return uuid_v4(); };
}

IdGenerator seeded_uuid_generator(std::uint64_t seed) {
  struct State {
    std::mutex mutex;
    std::mt19937_64 engine;
  };
  auto state = std::make_shared<State>();
  state->engine.seed(seed);
  return [state] {
    Bytes16 b{};
    {
      std::lock_guard lock(state->mutex);
      for (std::size_t i = 0; i < b.size(); i += 8) {
        const std::uint64_t v = state->engine();
        for (std::size_t j = 0; j < 8; ++j) b[i + j] = static_cast<unsigned char>(v >> (8 * j));
      }
    }
    return caas::format_uuid(b, 4);
  };
}

EnvelopeBuilder::EnvelopeBuilder(std::string source, Clock clock, IdGenerator ids)
    : source_(std::move(source)), clock_(std::move(clock)), ids_(std::move(ids)) {
  if (source_.empty()) throw std::invalid_argument("EnvelopeBuilder: empty source");
  if (!clock_ || !ids_) throw std::invalid_argument("EnvelopeBuilder: clock and id generator required");
}

Result<Envelope> EnvelopeBuilder::build(std::string_view type, std::string_view subject, std::string_view data_json,
                                        std::string_view correlation_id, std::string_view causation_id,
                                        std::string_view dataschema) const {
  if (type.empty()) return invalid("type", "must not be empty");
  if (subject.empty()) return invalid("subject", "must not be empty");
  if (correlation_id.empty()) return invalid("correlationid", "must not be empty");
  auto data = parse_strict_json(data_json);
  if (!data) return data.error();
  if (!data->IsObject()) return invalid("data", "must be a JSON object");
  Envelope e;
  e.id = ids_();
  e.source = source_;
  e.type = type;
  e.subject = subject;
  e.time = format_rfc3339(clock_());
  e.dataschema = dataschema.empty() ? dataschema_for(type) : std::string(dataschema);
  e.correlationid = correlation_id;
  e.causationid = causation_id;
  e.data = to_json(*data);
  return e;
}

Result<Envelope> make_envelope(std::string_view type, std::string_view source, std::string_view subject,
                               std::string_view data_json, std::string_view correlation_id,
                               std::string_view causation_id, const Clock& clock, const IdGenerator& ids) {
  if (source.empty()) return invalid("source", "must not be empty");
  return EnvelopeBuilder(std::string(source), clock, ids).build(type, subject, data_json, correlation_id, causation_id);
}

std::string serialize(const Envelope& e) {
  // Sized for the attributes plus the data up front: growing a buffer by
  // halves costs a copy each time on a path taken for every event.
  rapidjson::StringBuffer buf(nullptr, e.data.size() + 512);
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  put(w, "specversion", kSpecVersion);
  put(w, "id", e.id);
  put(w, "source", e.source);
  put(w, "type", e.type);
  put(w, "subject", e.subject);
  put(w, "time", e.time);
  put(w, "datacontenttype", e.datacontenttype.empty() ? kJsonContentType : std::string_view(e.datacontenttype));
  if (!e.dataschema.empty()) put(w, "dataschema", e.dataschema);
  put(w, "correlationid", e.correlationid);
  if (!e.causationid.empty()) put(w, "causationid", e.causationid);
  w.Key("data");
  // data is already validated compact JSON; embed it verbatim as an object.
  const std::string_view data = e.data.empty() ? std::string_view("{}") : std::string_view(e.data);
  w.RawValue(data.data(), data.size(), rapidjson::kObjectType);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

Result<Envelope> parse_envelope(std::string_view json, const StrictJsonLimits& limits) {
  auto parsed = parse_strict_json(json, limits);
  if (!parsed) return parsed.error();
  const rapidjson::Document& doc = *parsed;
  if (!doc.IsObject()) return Error{make_error_code(EventsErrc::invalid_json), "envelope is not a JSON object"};

  auto get = [&doc](std::string_view name, bool required, std::string& out) -> Result<void> {
    auto it = doc.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    if (it == doc.MemberEnd()) return required ? Result<void>(missing(name)) : ok();
    if (!it->value.IsString()) return invalid(name, "must be a string");
    out.assign(it->value.GetString(), it->value.GetStringLength());
    if (required && out.empty()) return invalid(name, "must not be empty");
    return ok();
  };

  std::string specversion;
  if (auto r = get("specversion", true, specversion); !r) return r.error();
  if (specversion != kSpecVersion) return invalid("specversion", "must be \"1.0\"");
  Envelope e;
  e.datacontenttype.clear();
  struct Attr {
    std::string_view name;
    std::string* field;
    bool required;
  };
  const Attr attrs[] = {{"id", &e.id, true},
                        {"source", &e.source, true},
                        {"type", &e.type, true},
                        {"subject", &e.subject, true},
                        {"time", &e.time, true},
                        {"correlationid", &e.correlationid, true},
                        {"datacontenttype", &e.datacontenttype, false},
                        {"dataschema", &e.dataschema, false},
                        {"causationid", &e.causationid, false}};
  for (const auto& a : attrs) {
    if (auto r = get(a.name, a.required, *a.field); !r) return r.error();
  }
  if (e.datacontenttype.empty()) {
    e.datacontenttype = kJsonContentType;
  } else if (e.datacontenttype != kJsonContentType) {
    return invalid("datacontenttype", "must be \"application/json\"");
  }
  if (auto t = parse_rfc3339(e.time); !t) return invalid("time", "is not RFC 3339: " + t.error().message);
  for (const auto& m : doc.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name != "data" && (m.value.IsObject() || m.value.IsArray() || m.value.IsNull()))
      return invalid(name, "must be a string, number or boolean");
  }
  auto data = doc.FindMember("data");
  if (data == doc.MemberEnd()) return missing("data");
  if (!data->value.IsObject()) return invalid("data", "must be a JSON object");
  e.data = to_json(data->value);
  return e;
}

std::vector<std::pair<std::string, std::string>> kafka_headers(const Envelope& e) {
  return {{"ce_type", e.type}, {"ce_id", e.id}, {"correlationid", e.correlationid}};
}

}  // namespace caas::events
