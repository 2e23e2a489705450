#include "dlq/dead_letter.hpp"

#include <caas/core/time.hpp>
#include <caas/events/envelope.hpp>
#include <caas/kafka/dlq.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <tuple>

namespace caas::ctl {

namespace {

std::string header(const kafka::Headers& h, std::string_view name) {
  auto v = kafka::find_header(h, name);
  return v ? std::string(*v) : std::string{};
}

std::int64_t text_int(std::string_view s, std::int64_t fallback) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && p == s.data() + s.size() ? v : fallback;
}

// Spring Kafka writes partition (4 bytes) and offset (8 bytes) big-endian.
std::int64_t spring_int(std::string_view s, std::int64_t fallback) {
  if (s.size() == 4 || s.size() == 8) {
    std::uint64_t v = 0;
    for (unsigned char c : s) v = (v << 8) | c;
    if (s.size() == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  return text_int(s, fallback);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view to_string(DlqFormat f) {
  switch (f) {
    case DlqFormat::caas:
      return "caas";
    case DlqFormat::connect:
      return "kafka-connect";
    case DlqFormat::spring:
      return "spring";
    case DlqFormat::unknown:
      return "unknown";
  }
  return "unknown";
}

bool is_dlq_topic(std::string_view t) {
  return t.starts_with("caas.dlq.") || t.ends_with(".DLT") || t.ends_with("-dlt") || t.ends_with(".dlq") ||
         t.starts_with("dlq-") || t.starts_with("dlq.");
}

DeadLetter decode_dead_letter(const kafka::ConsumedRecord& r, std::int64_t timestamp_ms) {
  namespace h = kafka::dlq_headers;
  DeadLetter d;
  d.ref = {r.topic, r.partition, r.offset};
  d.timestamp_ms = timestamp_ms;
  d.key = r.key;
  d.value = r.value;
  d.headers = r.headers;
  if (kafka::find_header(r.headers, h::kOriginalTopic)) {
    d.format = DlqFormat::caas;
    d.service = header(r.headers, h::kService);
    d.original_topic = header(r.headers, h::kOriginalTopic);
    d.original_partition = static_cast<std::int32_t>(text_int(header(r.headers, h::kOriginalPartition), -1));
    d.original_offset = text_int(header(r.headers, h::kOriginalOffset), -1);
    d.error_class = header(r.headers, h::kErrorClass);
    d.error_message = header(r.headers, h::kErrorMessage);
    d.attempts = static_cast<int>(text_int(header(r.headers, h::kAttempts), 0));
    d.first_failed_at = header(r.headers, h::kFirstFailedAt);
    d.parked = header(r.headers, h::kParked) == "true";
    d.key_parked = header(r.headers, h::kKeyParked) == "true" || d.parked;
  } else if (kafka::find_header(r.headers, "__connect.errors.topic")) {
    d.format = DlqFormat::connect;
    d.service = header(r.headers, "__connect.errors.connector.name");
    d.original_topic = header(r.headers, "__connect.errors.topic");
    d.original_partition = static_cast<std::int32_t>(text_int(header(r.headers, "__connect.errors.partition"), -1));
    d.original_offset = text_int(header(r.headers, "__connect.errors.offset"), -1);
    d.error_class = header(r.headers, "__connect.errors.exception.class.name");
    d.error_message = header(r.headers, "__connect.errors.exception.message");
  } else if (kafka::find_header(r.headers, "kafka_dlt-original-topic")) {
    d.format = DlqFormat::spring;
    d.service = header(r.headers, "kafka_dlt-original-consumer-group");
    d.original_topic = header(r.headers, "kafka_dlt-original-topic");
    d.original_partition = static_cast<std::int32_t>(spring_int(header(r.headers, "kafka_dlt-original-partition"), -1));
    d.original_offset = spring_int(header(r.headers, "kafka_dlt-original-offset"), -1);
    d.error_class = header(r.headers, "kafka_dlt-exception-fqcn");
    d.error_message = header(r.headers, "kafka_dlt-exception-message");
  }
  d.redrives = static_cast<int>(text_int(header(r.headers, kafka::redrive_headers::kCount), 0));
  if (auto env = events::parse_envelope(r.value)) {
    d.envelope = true;
    d.event_id = env->id;
    d.event_type = env->type;
    d.event_time = env->time;
    d.correlation_id = env->correlationid;
    d.data = env->data;
  }
  if (d.first_failed_at.empty() && timestamp_ms >= 0) {
    d.first_failed_at =
        caas::format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(timestamp_ms)));
  }
  return d;
}

bool DlqFilter::matches(const DeadLetter& d, const AuditState& audit) const {
  if (!include_resolved && audit.resolved.count(d.ref)) return false;
  if (!refs.empty() && std::find(refs.begin(), refs.end(), d.ref) == refs.end()) return false;
  if (service && d.service != *service) return false;
  if (key && d.key != *key) return false;
  if (error_class && d.error_class != *error_class) return false;
  if (original_topic && d.original_topic != *original_topic) return false;
  if (type && d.event_type != *type) return false;
  if (error_text && lower(d.error_message).find(lower(*error_text)) == std::string::npos) return false;
  for (const auto& [name, value] : headers) {
    auto v = kafka::find_header(d.headers, name);
    if (!v || *v != value) return false;
  }
  const auto t = TimePoint(std::chrono::milliseconds(d.timestamp_ms));
  if (since && t < *since) return false;
  if (until && t >= *until) return false;
  if (parked_only && !d.key_parked) return false;
  return true;
}

namespace {

bool same_key(const DeadLetter& a, const DeadLetter& b) {
  return a.service == b.service && a.original_topic == b.original_topic && a.key == b.key;
}

// The order the service met them in: its DLQ is one partition per key, in
// processing order (for a first failure that is the original (partition,
// offset) order; a redrive that failed again comes back at the head).
bool dlq_order(const DeadLetter* a, const DeadLetter* b) {
  return std::tie(a->ref.topic, a->ref.partition, a->ref.offset) <
         std::tie(b->ref.topic, b->ref.partition, b->ref.offset);
}

}  // namespace

std::vector<const DeadLetter*> chain_of(const DeadLetter& d, const std::vector<DeadLetter>& all,
                                        const AuditState& audit) {
  std::vector<const DeadLetter*> out;
  if (!d.key_parked) {
    out.push_back(&d);
    return out;
  }
  for (const auto& other : all) {
    if (same_key(other, d) && other.key_parked && !audit.resolved.count(other.ref)) out.push_back(&other);
  }
  std::sort(out.begin(), out.end(), dlq_order);
  return out;
}

std::vector<ParkedKey> parked_keys(const std::vector<DeadLetter>& all, const AuditState& audit) {
  std::vector<ParkedKey> out;
  for (const auto& d : all) {
    if (!d.key_parked || audit.resolved.count(d.ref)) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const ParkedKey& p) {
      return p.service == d.service && p.original_topic == d.original_topic && p.key == d.key;
    });
    if (it == out.end()) {
      out.push_back({d.service, d.original_topic, d.key, {}});
      it = out.end() - 1;
    }
    it->chain.push_back(&d);
  }
  for (auto& p : out) std::sort(p.chain.begin(), p.chain.end(), dlq_order);
  return out;
}

}  // namespace caas::ctl
