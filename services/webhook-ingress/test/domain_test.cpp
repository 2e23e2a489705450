// Unit tests of the pure domain: field validation, the token bucket with a
// fabricated clock, source configuration parsing, record building and the
// seed 000 response bodies.
#include "domain/rate_limiter.hpp"
#include "domain/record_builder.hpp"
#include "domain/responses.hpp"
#include "domain/source_config.hpp"
#include "domain/validation.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/json.hpp>
#include <caas/events/time.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace caas;
using namespace caas::ingress;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h;

rapidjson::Document parse(const std::string& s) {
  auto d = events::parse_strict_json(s);
  REQUIRE(d);
  return std::move(d.value());
}

std::optional<FieldError> factory(const std::string& json) {
  return validate_factory_status(parse(json), kNow);
}

std::string reading_with(const std::string& member, const std::string& value) {
  std::map<std::string, std::string> m{{"vin", R"("VSSZZZ6JZ9R056308")"},
                                       {"seq", "1042"},
                                       {"time", R"("2026-11-22T09:00:00Z")"},
                                       {"position", R"({"lat":40.4168,"lon":-3.7038})"},
                                       {"operational_state", R"("PARKED")"},
                                       {"configuration", R"({"power_mode":"HIGH","snow_mode_available":1})"},
                                       {"diagnostics", R"([{"code":"P0420","severity":"warning"}])"},
                                       {"connectivity", R"({"signal_dbm":-85,"network":"LTE"})"}};
  if (value.empty()) {
    m.erase(member);
  } else {
    m[member] = value;
  }
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
  return out + "}";
}

std::optional<FieldError> reading(const std::string& member, const std::string& value) {
  return validate_iot_reading(parse(reading_with(member, value)), kNow, "readings[0]");
}

}  // namespace

TEST_CASE("factory status webhook: every field rule of seed 000", "[unit][validation]") {
  const std::string good =
      R"({"order_id":"FAC-2024-001234","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","estimated_completion_date":"2024-02-03","notes":"n","location":"l"})";
  CHECK_FALSE(factory(good));
  CHECK_FALSE(factory(R"({"order_id":"FAC-1","status":"ORDERED","timestamp":"2024-02-01T10:00:00+01:00"})"));
  CHECK_FALSE(factory(
      R"({"order_id":"FAC-1","status":"ORDERED","timestamp":"2024-02-01T10:00:00.5Z","notes":null,"estimated_completion_date":null,"extra":1})"));
  for (const auto* s : {"ORDERED", "IN_PRODUCTION", "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT",
                        "SHIPPED", "ARRIVED_AT_DEALERSHIP"}) {
    CHECK_FALSE(factory(std::string(R"({"order_id":"F","status":")") + s + R"(","timestamp":"2024-02-01T10:00:00Z"})"));
  }
  struct Bad {
    std::string json;
    std::string field;
  };
  const std::vector<Bad> bad{
      {R"([1])", ""},
      {R"({"status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z"})", "order_id"},
      {R"({"order_id":12,"status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z"})", "order_id"},
      {R"({"order_id":"","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z"})", "order_id"},
      {R"({"order_id":")" + std::string(129, 'A') + R"(","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z"})",
       "order_id"},
      {R"({"order_id":"A/B","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z"})", "order_id"},
      {R"({"order_id":"F","timestamp":"2024-02-01T10:00:00Z"})", "status"},
      {R"({"order_id":"F","status":"shipped","timestamp":"2024-02-01T10:00:00Z"})", "status"},
      {R"({"order_id":"F","status":"SHIPPED"})", "timestamp"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":1706781600})", "timestamp"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01"})", "timestamp"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01 10:00:00Z"})", "timestamp"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01T10:00:00"})", "timestamp"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"1999-12-31T23:59:59Z"})", "timestamp"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2026-11-24T10:00:00Z"})", "timestamp"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","estimated_completion_date":"2024-02-30"})",
       "estimated_completion_date"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","estimated_completion_date":"03/02/2024"})",
       "estimated_completion_date"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","estimated_completion_date":"2400-01-01"})",
       "estimated_completion_date"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","notes":5})", "notes"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","notes":")" + std::string(4097, 'n') +
           R"("})",
       "notes"},
      {R"({"order_id":"F","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","location":["x"]})", "location"},
  };
  for (const auto& b : bad) {
    INFO(b.json.substr(0, 200));
    auto e = factory(b.json);
    REQUIRE(e);
    CHECK(e->field == b.field);
    CHECK_FALSE(e->message.empty());
  }
}

TEST_CASE("IoT telemetry reading: every field rule of DESIGN.md §2", "[unit][validation]") {
  CHECK_FALSE(reading("seq", "1042"));
  CHECK_FALSE(reading("position", ""));  // optional
  CHECK_FALSE(reading("diagnostics", "[]"));
  CHECK_FALSE(reading("connectivity", "null"));
  struct Bad {
    std::string member, value, field;
  };
  const std::vector<Bad> bad{
      {"vin", "", "readings[0].vin"},
      {"vin", R"("VSSZZZ6JZ9R05630")", "readings[0].vin"},
      {"vin", R"("VSSZZZ6JZ9R05630I")", "readings[0].vin"},
      {"vin", R"("VSSZZZ6JZ9R05630O")", "readings[0].vin"},
      {"vin", R"("vsszzz6jz9r056308")", "readings[0].vin"},
      {"seq", "", "readings[0].seq"},
      {"seq", "-1", "readings[0].seq"},
      {"seq", "1.5", "readings[0].seq"},
      {"seq", "1.0", "readings[0].seq"},
      {"seq", R"("7")", "readings[0].seq"},
      {"time", "", "readings[0].time"},
      {"time", R"("yesterday")", "readings[0].time"},
      {"time", R"("2030-01-01T00:00:00Z")", "readings[0].time"},
      {"position", R"({"lat":91,"lon":0})", "readings[0].position.lat"},
      {"position", R"({"lat":0,"lon":-180.5})", "readings[0].position.lon"},
      {"position", R"({"lat":0})", "readings[0].position.lon"},
      {"position", R"([0,0])", "readings[0].position"},
      {"operational_state", R"("DRIVING")", "readings[0].operational_state"},
      {"operational_state", "", "readings[0].operational_state"},
      {"configuration", R"({"nested":{"a":1}})", "readings[0].configuration.nested"},
      {"configuration", R"("HIGH")", "readings[0].configuration"},
      {"diagnostics", R"({"code":"P0420"})", "readings[0].diagnostics"},
      {"diagnostics", R"([{"severity":"warning"}])", "readings[0].diagnostics[0].code"},
      {"diagnostics", R"([{"code":"P0420","severity":"fatal"}])", "readings[0].diagnostics[0].severity"},
      {"connectivity", R"({"signal_dbm":20})", "readings[0].connectivity.signal_dbm"},
      {"connectivity", R"({"network":""})", "readings[0].connectivity.network"},
  };
  for (const auto& b : bad) {
    INFO(b.member << " = " << b.value);
    auto e = reading(b.member, b.value);
    REQUIRE(e);
    CHECK(e->field == b.field);
  }
  CHECK(valid_vin("VSSZZZ6JZ9R056308"));
  CHECK_FALSE(valid_vin("VSSZZZ6JZ9R05630Q"));
}

TEST_CASE("IoT command status: every field rule", "[unit][validation]") {
  auto check = [](const std::string& json) { return validate_command_status(parse(json), kNow); };
  const std::string head = R"({"command_id":"cmd-1","vin":"VSSZZZ6JZ9R056308","time":"2026-11-22T09:00:00Z",)";
  CHECK_FALSE(check(head + R"("result":"APPLIED","error_code":null,"reported_parameters":{"power_mode":"HIGH"}})"));
  CHECK_FALSE(check(head + R"("result":"FAILED","error_code":"E_FIRMWARE"})"));
  for (const auto* r : {"ACCEPTED", "APPLIED", "REJECTED", "FAILED"}) {
    CHECK_FALSE(check(head + R"("result":")" + r + R"("})"));
  }
  auto e = check(head + R"("result":"DONE"})");
  REQUIRE(e);
  CHECK(e->field == "result");
  e = check(R"({"vin":"VSSZZZ6JZ9R056308","time":"2026-11-22T09:00:00Z","result":"APPLIED"})");
  REQUIRE(e);
  CHECK(e->field == "command_id");
  e = check(head + R"("result":"FAILED","error_code":"has spaces"})");
  REQUIRE(e);
  CHECK(e->field == "error_code");
  e = check(head + R"("result":"APPLIED","reported_parameters":[1]})");
  REQUIRE(e);
  CHECK(e->field == "reported_parameters");
  e = check(R"({"command_id":"c","vin":"X","time":"2026-11-22T09:00:00Z","result":"APPLIED"})");
  REQUIRE(e);
  CHECK(e->field == "vin");
}

TEST_CASE("content type and keys", "[unit][validation]") {
  CHECK(json_content_type("application/json"));
  CHECK(json_content_type("Application/JSON; charset=UTF-8"));
  CHECK_FALSE(json_content_type("application/json; charset=latin1"));
  CHECK_FALSE(json_content_type("text/plain"));
  CHECK_FALSE(json_content_type("application/jsonp"));
  CHECK_FALSE(json_content_type(""));
  CHECK(valid_key("FAC-2024-001234"));
  CHECK_FALSE(valid_key("has space"));
  CHECK_FALSE(valid_key(std::string(257, 'k')));
}

TEST_CASE("factory signature header: the contract's form only, 64 hex digits", "[unit][validation]") {
  const std::string hex = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";
  CHECK(factory_signature_form(hex));
  CHECK(factory_signature_form(" \t" + hex + "\t "));  // OWS around, as HTTP strips it
  CHECK_FALSE(factory_signature_form("sha256=" + hex));
  CHECK_FALSE(factory_signature_form("SHA256=" + hex));
  CHECK_FALSE(factory_signature_form(hex.substr(0, 32) + " " + hex.substr(32)));
  CHECK_FALSE(factory_signature_form(hex.substr(0, 32) + "\t" + hex.substr(32)));
  CHECK_FALSE(factory_signature_form(hex.substr(1)));
  CHECK_FALSE(factory_signature_form(hex + "0"));
  CHECK_FALSE(factory_signature_form("x" + hex.substr(1)));
  CHECK_FALSE(factory_signature_form(hex + "\r"));
  CHECK_FALSE(factory_signature_form(""));
}

TEST_CASE("token bucket with a fabricated clock", "[unit][rate-limit]") {
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  TokenBucket bucket(2.0, 3.0, t0);
  CHECK_FALSE(bucket.try_acquire(t0));
  CHECK_FALSE(bucket.try_acquire(t0));
  CHECK_FALSE(bucket.try_acquire(t0));
  auto wait = bucket.try_acquire(t0);
  REQUIRE(wait);
  CHECK(*wait == 500ms);
  CHECK(retry_after_seconds(*wait) == 1);
  CHECK(bucket.try_acquire(t0 + 250ms));        // half a token
  CHECK_FALSE(bucket.try_acquire(t0 + 500ms));  // one token refilled
  CHECK(bucket.try_acquire(t0 + 500ms));
  CHECK_FALSE(bucket.try_acquire(t0 + 100s));  // refills up to the burst only
  CHECK_FALSE(bucket.try_acquire(t0 + 100s));
  CHECK_FALSE(bucket.try_acquire(t0 + 100s));
  CHECK(bucket.try_acquire(t0 + 100s));
  CHECK(bucket.try_acquire(t0 + 99s));  // time going backwards refills nothing
  TokenBucket slow(0.1, 1, t0);
  CHECK_FALSE(slow.try_acquire(t0));
  CHECK(retry_after_seconds(*slow.try_acquire(t0)) == 10);
}

TEST_CASE("source configuration: defaults, parsing, clear errors", "[unit][config]") {
  const auto d = default_sources();
  REQUIRE(d.size() == 3);
  CHECK(d[0].path == "/api/v1/webhooks/factory/status");
  CHECK(d[0].signature == SignatureScheme::factory_hmac);
  CHECK(d[0].responses == ResponseStyle::factory);
  CHECK(d[1].payload == PayloadKind::batch);
  CHECK(d[1].items_field == "readings");
  CHECK(d[1].dedup_webhook_id);
  CHECK(d[2].topic == "caas.ingress.iot-command-status.v1");
  CHECK(d[1].event_type() == "ingress.iot-telemetry");
  CHECK(d[1].schema_version() == 1);

  auto ok = parse_sources(R"({"sources":[{"name":"p","path":"/api/v1/webhooks/p","signature":"standard-webhooks",
      "secrets_env":"P_FILE","schema":"ingress.iot-command-status.v1","topic":"t","key_field":"vin",
      "payload":"batch","items_field":"items","max_items":10,"rate_limit":{"rps":5,"burst":10},"max_body_bytes":4096}]})");
  REQUIRE(ok);
  REQUIRE(ok->size() == 1);
  const auto& p = ok->front();
  CHECK(p.payload == PayloadKind::batch);
  CHECK(p.max_items == 10);
  CHECK(p.rate_limit.rps == 5);
  CHECK(p.rate_limit.burst == 10);
  CHECK(p.max_body_bytes == 4096);
  CHECK(p.responses == ResponseStyle::standard);
  CHECK(p.dedup_webhook_id);

  auto error_of = [](const std::string& json) {
    auto r = parse_sources(json);
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  const std::string base = R"("name":"p","path":"/p","secrets_env":"F","schema":"x.v1","topic":"t","key_field":"k")";
  CHECK(error_of("not json").find("sources file") != std::string::npos);
  CHECK(error_of(R"({"sources":[]})").find("empty") != std::string::npos);
  CHECK(error_of(R"({"sources":[{)" + base + R"(,"signature":"md5"}]})") ==
        "sources[0].signature: must be factory-hmac or standard-webhooks");
  CHECK(error_of(R"({"sources":[{)" + base + R"(,"signature":"factory-hmac","payload":"batch"}]})") ==
        "sources[0].items_field: required");
  CHECK(error_of(R"({"sources":[{)" + base + R"(,"signature":"factory-hmac","colour":"red"}]})") ==
        "sources[0].colour: unknown setting");
  CHECK(error_of(R"({"sources":[{)" + base + R"(,"signature":"factory-hmac","rate_limit":{"rps":-1}}]})")
            .find("sources[0].rate_limit.rps") == 0);
  CHECK(error_of(R"({"sources":[{)" + base + R"(,"signature":"factory-hmac"},{)" + base +
                 R"(,"signature":"factory-hmac"}]})")
            .find("duplicate source name") != std::string::npos);
  CHECK(
      error_of(
          R"({"sources":[{"name":"p","path":"no-slash","signature":"factory-hmac","secrets_env":"F","schema":"x.v1","topic":"t","key_field":"k"}]})")
          .find("sources[0].path") == 0);
  CHECK(error_of(R"({"sources":[{)" + base + R"(,"signature":"factory-hmac","dedup_webhook_id":true}]})")
            .find("dedup_webhook_id") != std::string::npos);
}

TEST_CASE("record building: envelope, key, headers, receipt, deterministic ids", "[unit][record]") {
  const auto src = default_sources()[0];
  auto item = parse(R"({"order_id":"FAC-1","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z","source":"spoofed"})");
  Receipt receipt{"2026-11-22T10:00:00.000Z", "factory", "req-1", "0:abcdef12", ""};
  const auto data = build_data(item, receipt);
  auto d = parse(data);
  CHECK(std::string(d["source"].GetString()) == "factory");  // receipt wins over a spoofed member
  CHECK(std::string(d["request_id"].GetString()) == "req-1");
  CHECK(std::string(d["secret_id"].GetString()) == "0:abcdef12");
  CHECK_FALSE(d.HasMember("webhook_id"));
  const auto id = derive_event_id("factory", "body", 0);
  CHECK(id == derive_event_id("factory", "body", 0));
  CHECK(id != derive_event_id("factory", "body", 1));
  CHECK(id != derive_event_id("iot-telemetry", "body", 0));
  // Ids already on the topics must not change (computed independently from SHA-256).
  CHECK(id == "2081c18e-df21-556d-8381-0c4be70de234");
  CHECK(id.size() == 36);
  CHECK(id[14] == '5');
  auto rec = build_record(src, "FAC-1", data, receipt, id);
  REQUIRE(rec);
  CHECK(rec->topic == "caas.ingress.factory-status.v1");
  CHECK(rec->key == "FAC-1");
  CHECK(kafka::find_header(rec->headers, "ce_type") == std::optional<std::string_view>("ingress.factory-status"));
  CHECK(kafka::find_header(rec->headers, "ce_id") == std::optional<std::string_view>(id));
  CHECK(kafka::find_header(rec->headers, "correlationid") == std::optional<std::string_view>("req-1"));
  auto env = events::parse_envelope(rec->value);
  REQUIRE(env);
  CHECK(env->id == id);
  CHECK(env->subject == "FAC-1");
  CHECK(env->source == "caas/webhook-ingress");
  CHECK(env->dataschema == "proto-schemas/ingress.factory-status.v1.json");
  CHECK(env->time == "2026-11-22T10:00:00.000Z");
}

TEST_CASE("response bodies are seed 000's, field for field", "[unit][responses]") {
  auto ok = responses::factory_received("FAC-2024-001234", "2024-02-01T10:00:15Z");
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"received":true,"order_id":"FAC-2024-001234","processed_at":"2024-02-01T10:00:15Z"})");
  auto sig = responses::factory_invalid_signature();
  CHECK(sig.status == 400);
  CHECK(sig.body == R"({"error":"Invalid signature","received":false})");
  auto nf = responses::factory_order_not_found("FAC-2024-001234");
  CHECK(nf.status == 404);
  CHECK(nf.body == R"({"error":"Order not found","order_id":"FAC-2024-001234","received":false})");
  auto inv = responses::invalid_payload(ResponseStyle::factory, {"status", "must be one of …"});
  CHECK(inv.status == 400);
  auto body = parse(inv.body);
  CHECK(std::string(body["error"].GetString()) == "Invalid payload");
  CHECK(std::string(body["field"].GetString()) == "status");
  CHECK_FALSE(body["received"].GetBool());
  auto std_inv = responses::invalid_payload(ResponseStyle::standard, {"readings[2].vin", "bad"});
  auto sb = parse(std_inv.body);
  CHECK(std::string(sb["error"].GetString()) == "invalid_payload");
  CHECK(sb.HasMember("message"));
  CHECK_FALSE(sb.HasMember("received"));
  auto rl = responses::rate_limited(ResponseStyle::factory, 3);
  CHECK(rl.status == 429);
  CHECK(rl.headers.get("Retry-After") == std::optional<std::string_view>("3"));
  auto un = responses::unavailable(ResponseStyle::standard, "down");
  CHECK(un.status == 503);
  CHECK(un.headers.get("Retry-After").has_value());
  CHECK(responses::unauthorized("x").status == 401);
  CHECK(responses::unsupported_media_type(ResponseStyle::standard).status == 415);
  CHECK(responses::payload_too_large(ResponseStyle::standard, 10).status == 413);
}
