#include "app/ingress_app.hpp"

#include "domain/responses.hpp"

#include <caas/events/envelope.hpp>
#include <caas/security/errors.hpp>
#include <caas/security/webhook_signature.hpp>

#include <algorithm>
#include <array>
#include <span>

namespace caas::ingress {

namespace obs = caas::observability;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

const std::vector<std::string>& outcomes() {
  static const std::vector<std::string> kOutcomes{
      "ok",         "duplicate",    "invalid_signature", "invalid_payload", "unsupported_media_type",
      "too_large",  "rate_limited", "unknown_order",     "unavailable",     "bad_request",
      "in_progress"};
  return kOutcomes;
}

prometheus::Histogram::BucketBoundaries fine_latency_buckets() {
  return {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// Holds a typical webhook's parsed values; larger bodies take pool chunks.
constexpr std::size_t kJsonBufferBytes = 16 << 10;

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::optional<std::int64_t> parse_ms(std::string_view v) {
  std::int64_t out = 0;
  if (v.empty() || v.size() > 19) return std::nullopt;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    out = out * 10 + (c - '0');
  }
  return out;
}

std::string header_or_empty(const http::Request& r, std::string_view name) {
  auto v = r.header(name);
  return v ? std::string(*v) : std::string();
}

}  // namespace

struct IngressApp::Source {
  SourceConfig config;
  security::SecretSet secrets;
  TokenBucket bucket;
  std::map<std::string, prometheus::Counter*, std::less<>> requests;  // by outcome; read-only once built
  prometheus::Histogram* duration = nullptr;
  prometheus::Histogram* produce_latency = nullptr;
  prometheus::Counter* signature_failures = nullptr;
  prometheus::Counter* unavailable = nullptr;
  prometheus::Counter* invalid_payload = nullptr;
  prometheus::Counter* duplicates = nullptr;
  prometheus::Gauge* in_flight = nullptr;

  Source(SourceBinding b, SteadyClock::time_point now)
      : config(std::move(b.config)),
        secrets(std::move(b.secrets)),
        bucket(config.rate_limit.rps, config.rate_limit.burst, now) {}
};

/// One request travelling through the pipeline; shared with the delivery
/// callbacks of its records.
struct IngressApp::Exchange {
  IngressApp& app;
  Source& source;
  http::Responder respond;
  std::string request_id;
  SteadyClock::time_point started = SteadyClock::now();
  SteadyClock::time_point produce_started{};
  std::string key;  // first record's key (factory: the order id)
  std::string webhook_id;
  std::string in_flight_key;  // non-empty while registered as in flight
  std::size_t records = 0;
  std::atomic<std::size_t> pending{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string first_error;
  std::atomic<bool> finished{false};

  Exchange(IngressApp& a, Source& s, http::Responder r, std::string id)
      : app(a), source(s), respond(std::move(r)), request_id(std::move(id)) {
    source.in_flight->Increment();
  }

  // Settles `count` records at once (one delivery, or the ones never sent).
  void settle(std::size_t count, std::error_code error, std::string_view why) {
    if (error) {
      failed = true;
      std::lock_guard lock(error_mutex);
      if (first_error.empty()) first_error = why.empty() ? error.message() : std::string(why);
    }
    if (pending.fetch_sub(count) == count) app.complete_delivery(*this);
  }
};

IngressApp::IngressApp(std::vector<SourceBinding> sources, IngressOptions options, kafka::Producer& producer,
                       store::StateStore& store, const events::SchemaRegistry& schemas, obs::Logger log,
                       obs::Metrics& metrics, events::Clock clock)
    : options_(options),
      producer_(producer),
      store_(store),
      schemas_(schemas),
      log_(std::move(log)),
      clock_(std::move(clock)),
      requests_(metrics.counter_family("webhook_requests_total", "Webhook requests by source and outcome")),
      duration_(metrics.histogram_family("webhook_processing_duration_seconds",
                                         "Time from request to response, by source", fine_latency_buckets())),
      produce_latency_(metrics.histogram_family("webhook_produce_latency_seconds",
                                                "Time from produce to the last Kafka acknowledgement",
                                                fine_latency_buckets())),
      signature_failures_(
          metrics.counter_family("webhook_signature_failures_total", "Webhooks refused for their signature")),
      unavailable_(metrics.counter_family("webhook_unavailable_total",
                                          "Webhooks answered 503 (Kafka unreachable, backpressure, no ack)")),
      invalid_payload_(metrics.counter_family(
          "webhook_invalid_payload_total", "Signed webhooks refused as invalid (a burst: the partner changed format)")),
      duplicates_(
          metrics.counter_family("webhook_duplicates_total", "Repeated webhook ids acknowledged without a record")),
      in_flight_(metrics.gauge_family("webhook_requests_in_flight", "Webhook requests being processed")) {
  const auto now = SteadyClock::now();
  for (auto& b : sources) {
    auto s = std::make_unique<Source>(std::move(b), now);
    const prometheus::Labels labels{{"source", s->config.name}};
    for (const auto& outcome : outcomes()) {
      s->requests[outcome] = &requests_.Add({{"source", s->config.name}, {"outcome", outcome}});
    }
    s->duration = &duration_.with(labels);
    s->produce_latency = &produce_latency_.with(labels);
    s->signature_failures = &signature_failures_.Add(labels);
    s->unavailable = &unavailable_.Add(labels);
    s->invalid_payload = &invalid_payload_.Add(labels);
    s->duplicates = &duplicates_.Add(labels);
    s->in_flight = &in_flight_.Add(labels);
    if (!schemas_.contains(s->config.schema)) {
      throw std::runtime_error("source " + s->config.name + ": schema " + s->config.schema + " is not in " +
                               "the schema directory");
    }
    sources_.push_back(std::move(s));
  }
}

IngressApp::~IngressApp() = default;

bool IngressApp::needs_known_orders() const {
  if (!options_.check_known_orders) return false;
  return std::any_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->config.check_known_orders; });
}

void IngressApp::add_routes(http::Router& router) {
  for (auto& s : sources_) {
    Source* source = s.get();
    router.add("POST", source->config.path, [this, source](http::Request&& req, http::Responder respond) {
      handle(*source, std::move(req), std::move(respond));
    });
  }
}

void IngressApp::finish(Exchange& x, http::Response response, std::string_view outcome) {
  if (x.finished.exchange(true)) return;
  if (!detached_) {
    auto it = x.source.requests.find(outcome);
    if (it != x.source.requests.end()) it->second->Increment();
    x.source.duration->Observe(std::chrono::duration<double>(SteadyClock::now() - x.started).count());
    if (response.status == 503) x.source.unavailable->Increment();
    x.source.in_flight->Decrement();
  }
  x.respond(std::move(response));
}

void IngressApp::release_in_flight(const std::string& key) {
  if (key.empty()) return;
  std::lock_guard lock(in_flight_mutex_);
  in_flight_ids_.erase(key);
}

void IngressApp::handle(Source& s, http::Request&& req, http::Responder respond) {
  auto x = std::make_shared<Exchange>(*this, s, std::move(respond), req.request_id);
  const auto style = s.config.responses;
  const bool factory_style = style == ResponseStyle::factory;
  const obs::Field correlation{"correlation_id", req.request_id};
  const obs::Field source_field{"source", s.config.name};

  if (!accepting_) {
    return finish(*x, responses::unavailable(style, "the service is shutting down"), "unavailable");
  }
  // 1. Content type.
  if (req.headers.count("Content-Type") != 1 || !json_content_type(*req.header("Content-Type"))) {
    return finish(*x, responses::unsupported_media_type(style), "unsupported_media_type");
  }
  // 2. Body size (the server already enforced the largest source limit).
  if (req.body.size() > s.config.max_body_bytes) {
    return finish(*x, responses::payload_too_large(style, s.config.max_body_bytes), "too_large");
  }
  // 3. Ambiguous headers: which Host, which signature would we be verifying?
  if (req.headers.count("Host") > 1) {
    return finish(*x, responses::bad_request(style, "duplicate_header", "Host is repeated"), "bad_request");
  }
  static constexpr std::array<std::string_view, 1> kFactoryHeaders{"X-Factory-Signature"};
  static constexpr std::array<std::string_view, 3> kStandardHeaders{"webhook-id", "webhook-timestamp",
                                                                    "webhook-signature"};
  const auto sig_headers = s.config.signature == SignatureScheme::factory_hmac
                               ? std::span<const std::string_view>(kFactoryHeaders)
                               : std::span<const std::string_view>(kStandardHeaders);
  for (auto h : sig_headers) {
    if (req.headers.count(h) > 1) {
      s.signature_failures->Increment();
      log_.warn("webhook refused: repeated signature header", {source_field, correlation, {"header", h}});
      if (factory_style) return finish(*x, responses::factory_invalid_signature(), "invalid_signature");
      return finish(*x, responses::bad_request(style, "duplicate_header", std::string(h) + " is repeated"),
                    "bad_request");
    }
  }
  // 4. Signature.
  std::string secret_id;
  if (s.config.signature == SignatureScheme::factory_hmac) {
    auto refuse = [&](std::string_view why) {
      s.signature_failures->Increment();
      log_.warn("webhook refused: invalid signature", {source_field, correlation, {"error", why}});
      if (factory_style) return finish(*x, responses::factory_invalid_signature(), "invalid_signature");
      finish(*x, responses::unauthorized("invalid signature"), "invalid_signature");
    };
    const auto signature = req.header("X-Factory-Signature").value_or(std::string_view{});
    // The contract's form only; the verifier alone would also take a
    // "sha256=" prefix. An absent header is the verifier's "missing".
    if (!signature.empty() && !factory_signature_form(signature)) {
      return refuse("X-Factory-Signature is not exactly 64 hex digits");
    }
    auto verified = security::verify_factory_signature(req.body, signature, s.secrets);
    if (!verified) return refuse(verified.error().message);
    secret_id = verified->id;
  } else {
    x->webhook_id = header_or_empty(req, "webhook-id");
    if (!x->webhook_id.empty() && !valid_identifier(x->webhook_id, 128)) {
      return finish(
          *x,
          responses::bad_request(style, "invalid_header", "webhook-id must be 1..128 characters of [A-Za-z0-9._:-]"),
          "bad_request");
    }
    auto verified = security::verify_standard_webhook(x->webhook_id, header_or_empty(req, "webhook-timestamp"),
                                                      req.body, header_or_empty(req, "webhook-signature"), s.secrets,
                                                      clock_(), options_.signature_tolerance);
    if (!verified) {
      s.signature_failures->Increment();
      const auto code = verified.error().code;
      std::string message = "no v1 signature matches an active secret";
      if (code == security::SecurityErrc::missing_header) {
        message = "webhook-id, webhook-timestamp and webhook-signature are required";
      } else if (code == security::SecurityErrc::timestamp_out_of_tolerance) {
        message = "webhook-timestamp is more than " + std::to_string(options_.signature_tolerance.count()) +
                  " s away from the server time";
      } else if (code == security::SecurityErrc::malformed || code == security::SecurityErrc::invalid_encoding) {
        message = "malformed webhook-timestamp or webhook-signature";
      }
      log_.warn("webhook refused: invalid signature", {source_field, correlation, {"error", message}});
      if (factory_style) return finish(*x, responses::factory_invalid_signature(), "invalid_signature");
      return finish(*x, responses::unauthorized(message), "invalid_signature");
    }
    secret_id = verified->id;
  }
  // 5. Rate limit (per source, after authentication so strangers cannot
  // spend a partner's budget).
  if (auto wait = s.bucket.try_acquire(SteadyClock::now())) {
    return finish(*x, responses::rate_limited(style, retry_after_seconds(*wait)), "rate_limited");
  }
  // 6. Strict JSON, then 7. fields and schema.
  auto invalid = [&](const FieldError& e) {
    s.invalid_payload->Increment();
    log_.warn("webhook refused: invalid payload",
              {source_field, correlation, {"field", e.field}, {"error", e.message}});
    if (log_.enabled(obs::LogLevel::debug)) {
      log_.debug("invalid webhook body", {source_field, correlation, {"body", req.body}});
    }
    finish(*x, responses::invalid_payload(style, e), "invalid_payload");
  };
  // The body's values live in a buffer on this frame (records are built
  // before it returns): no pool chunk allocated and freed per webhook.
  alignas(std::max_align_t) std::array<char, kJsonBufferBytes> json_buffer;  // holds a chunk header
  rapidjson::MemoryPoolAllocator<> json_allocator(json_buffer.data(), json_buffer.size());
  auto doc = events::parse_strict_json(req.body, options_.json_limits, json_allocator);
  if (!doc) return invalid({"", "is not acceptable JSON: " + doc.error().message});

  std::vector<rapidjson::Value*> items;
  if (s.config.payload == PayloadKind::single) {
    items.push_back(&doc.value());
  } else {
    if (!doc->IsObject()) return invalid({"", "the body must be a JSON object"});
    auto it = doc->FindMember(s.config.items_field.c_str());
    if (it == doc->MemberEnd() || !it->value.IsArray()) return invalid({s.config.items_field, "must be an array"});
    if (it->value.Empty()) return invalid({s.config.items_field, "must not be empty"});
    if (it->value.Size() > s.config.max_items) {
      return invalid({s.config.items_field, "has more than " + std::to_string(s.config.max_items) + " items"});
    }
    for (auto& v : it->value.GetArray()) items.push_back(&v);
  }

  const auto now = clock_();
  Receipt receipt{events::format_rfc3339(now), s.config.name, req.request_id, secret_id, x->webhook_id};
  const std::string& basis = s.config.signature == SignatureScheme::standard_webhooks ? x->webhook_id : req.body;
  std::vector<kafka::Record> records;
  records.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string prefix =
        s.config.payload == PayloadKind::batch ? s.config.items_field + "[" + std::to_string(i) + "]" : "";
    auto& item = *items[i];
    if (auto e = validate_item(s.config.validator, item, now, prefix)) return invalid(*e);
    const std::string key_path = prefix.empty() ? s.config.key_field : prefix + "." + s.config.key_field;
    auto key_it = item.FindMember(s.config.key_field.c_str());
    if (key_it == item.MemberEnd() || !key_it->value.IsString()) return invalid({key_path, "is required (string)"});
    const std::string key(key_it->value.GetString(), key_it->value.GetStringLength());
    if (!valid_key(key)) return invalid({key_path, "must be 1..256 printable characters without spaces"});
    // The parsed item becomes the data object in place: validated as a tree,
    // written once.
    attach_receipt(item, receipt, doc->GetAllocator());
    if (auto v = schemas_.validate(s.config.schema, item); !v) return invalid({prefix, v.error().message});
    auto record = build_record(s.config, key, events::to_json(item), receipt, derive_event_id(s.config.name, basis, i));
    if (!record) return invalid({prefix, record.error().message});
    if (i == 0) x->key = key;
    records.push_back(std::move(record.value()));
  }
  // 8. Known factory order (seed 000's 404), with a grace for webhooks that
  // race the placement event through Kafka.
  if (s.config.check_known_orders && options_.check_known_orders) {
    const auto verdict = check_known_order(x->key, now);
    if (verdict == OrderCheck::unknown) {
      log_.warn("webhook refused: unknown factory order", {source_field, correlation, {"order_id", x->key}});
      return finish(*x, responses::factory_order_not_found(x->key), "unknown_order");
    }
    if (verdict == OrderCheck::within_grace) {
      log_.info("unknown factory order accepted within the grace period",
                {source_field, correlation, {"order_id", x->key}});
    }
  }
  // 9. Repeated webhook-id: acknowledged, not written again.
  if (s.config.dedup_webhook_id) {
    const std::string seen_key = std::string(kSeenWebhookPrefix) + s.config.name + "/" + x->webhook_id;
    if (store_.get(seen_key)) {
      s.duplicates->Increment();
      log_.info("duplicate webhook acknowledged", {source_field, correlation, {"webhook_id", x->webhook_id}});
      return finish(*x, responses::received(0, events::format_rfc3339(clock_()), x->webhook_id, true), "duplicate");
    }
    {
      std::lock_guard lock(in_flight_mutex_);
      if (!in_flight_ids_.insert(seen_key).second) {
        return finish(*x, responses::in_progress(), "in_progress");
      }
    }
    x->in_flight_key = seen_key;
  }
  // 10. Produce; answer once every record is acknowledged.
  if (!producer_.brokers_reachable_hint() || producer_.backpressured()) {
    release_in_flight(x->in_flight_key);
    log_.warn("webhook refused: Kafka unavailable", {source_field, correlation});
    return finish(*x, responses::unavailable(style, "Kafka is unreachable or backlogged; retry later"), "unavailable");
  }
  x->records = records.size();
  x->pending = records.size();
  x->produce_started = SteadyClock::now();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto status = producer_.send(std::move(records[i]),
                                       [x](const kafka::DeliveryReport& r) { x->settle(1, r.error, r.message); });
    if (status != kafka::SendStatus::queued) {
      const char* why = status == kafka::SendStatus::queue_full ? "producer queue full" : "record rejected";
      x->settle(records.size() - i, std::make_error_code(std::errc::resource_unavailable_try_again), why);
      break;
    }
  }
}

void IngressApp::complete_delivery(Exchange& x) {
  const auto style = x.source.config.responses;
  if (detached_) {
    x.respond(responses::unavailable(style, "the service is shutting down"));
    return;
  }
  release_in_flight(x.in_flight_key);
  if (x.failed) {
    std::string why;
    {
      std::lock_guard lock(x.error_mutex);
      why = x.first_error;
    }
    log_.warn("webhook not acknowledged by Kafka",
              {{"source", x.source.config.name}, {"correlation_id", x.request_id}, {"error", why}});
    return finish(x, responses::unavailable(style, "Kafka did not acknowledge the data; retry later"), "unavailable");
  }
  x.source.produce_latency->Observe(std::chrono::duration<double>(SteadyClock::now() - x.produce_started).count());
  const auto now = clock_();
  if (!x.in_flight_key.empty()) {
    store::WriteTxn txn;
    txn.put(x.in_flight_key, std::to_string(to_ms(now)));
    if (auto r = store_.commit(std::move(txn), {.sync = false}); !r) {
      // The data is in Kafka: still a 200. A retry would only produce the
      // same event ids again, which consumers dedup.
      log_.warn("could not remember webhook id", {{"correlation_id", x.request_id}, {"error", r.error().message}});
    }
  }
  const std::string processed_at = events::format_rfc3339(now);
  if (log_.enabled(obs::LogLevel::debug)) {
    log_.debug("webhook accepted", {{"source", x.source.config.name},
                                    {"correlation_id", x.request_id},
                                    {"records", static_cast<std::int64_t>(x.records)}});
  }
  if (x.source.config.responses == ResponseStyle::factory) {
    return finish(x, responses::factory_received(x.key, processed_at), "ok");
  }
  finish(x, responses::received(x.records, processed_at, x.webhook_id, false), "ok");
}

IngressApp::OrderCheck IngressApp::check_known_order(const std::string& id, std::chrono::system_clock::time_point now) {
  if (store_.get(std::string(kKnownOrderPrefix) + id)) return OrderCheck::known;
  // No grace: refused at first sight, and nothing is remembered (a marker
  // would only start a grace that does not exist).
  if (options_.unknown_order_grace <= std::chrono::milliseconds::zero()) return OrderCheck::unknown;
  const std::string marker = std::string(kUnknownOrderPrefix) + id;
  std::int64_t first_seen = to_ms(now);
  if (auto v = store_.get(marker)) {
    if (auto ms = parse_ms(*v)) first_seen = *ms;
  } else {
    store::WriteTxn txn;
    txn.put(marker, std::to_string(first_seen));
    if (auto r = store_.commit(std::move(txn), {.sync = false}); !r) {
      log_.warn("could not remember unknown order", {{"order_id", id}, {"error", r.error().message}});
    }
  }
  return to_ms(now) - first_seen <= options_.unknown_order_grace.count() ? OrderCheck::within_grace
                                                                         : OrderCheck::unknown;
}

service::HandlerOutcome IngressApp::on_factory_event(const service::ConsumedEvent& event, store::WriteTxn& txn) {
  if (event.envelope.type != "factory.order-placed") return service::HandlerOutcome::applied();
  auto data = events::parse_strict_json(event.envelope.data);
  if (!data || !data->IsObject()) return service::HandlerOutcome::permanent("data is not a JSON object");
  auto fid = data->FindMember("factory_order_id");
  auto oid = data->FindMember("order_id");
  if (fid == data->MemberEnd() || !fid->value.IsString() || oid == data->MemberEnd() || !oid->value.IsString()) {
    return service::HandlerOutcome::permanent("factory_order_id/order_id missing");
  }
  txn.put(std::string(kKnownOrderPrefix) + fid->value.GetString(), oid->value.GetString());
  // A webhook may have arrived first; its grace marker is no longer needed.
  txn.del(std::string(kUnknownOrderPrefix) + fid->value.GetString());
  return service::HandlerOutcome::applied();
}

std::size_t IngressApp::prune() {
  if (detached_) return 0;
  constexpr std::size_t kMaxPerRun = 50000;
  const auto now_ms = to_ms(clock_());
  std::vector<std::string> expired;
  auto collect = [&](std::string_view prefix, std::chrono::milliseconds retention) {
    store_.scan_prefix(prefix, [&](std::string_view key, std::string_view value) {
      auto ms = parse_ms(value);
      if (!ms || now_ms - *ms > retention.count()) expired.emplace_back(key);
      return expired.size() < kMaxPerRun;
    });
  };
  collect(kSeenWebhookPrefix, options_.dedup_retention);
  collect(kUnknownOrderPrefix, options_.unknown_order_retention);
  if (expired.empty()) return 0;
  store::WriteTxn txn;
  for (auto& k : expired) txn.del(std::move(k));
  const auto n = expired.size();
  if (auto r = store_.commit(std::move(txn), {.sync = false}); !r) {
    log_.warn("prune failed", {{"error", r.error().message}});
    return 0;
  }
  return n;
}

}  // namespace caas::ingress
