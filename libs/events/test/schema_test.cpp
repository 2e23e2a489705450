#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "caas/events/errors.hpp"
#include "caas/events/schema_registry.hpp"

using namespace caas::events;
namespace fs = std::filesystem;

namespace {
const SchemaRegistry& registry() {
  static const SchemaRegistry r(CAAS_SCHEMA_DIR);  // loaded once for the whole binary
  return r;
}
std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream b;
  b << in.rdbuf();
  return b.str();
}
}  // namespace

TEST_CASE("every schema compiles and its sample validates", "[schema]") {
  const auto ids = registry().ids();
  REQUIRE(ids.size() >= 21);
  std::size_t samples = 0;
  for (const auto& entry : fs::directory_iterator(CAAS_EVENTS_SAMPLES_DIR)) {
    const auto type = entry.path().stem().string();
    INFO(type);
    REQUIRE(registry().contains(type));
    auto r = registry().validate_json(type, read(entry.path()));
    CHECK(r.ok());
    if (!r) FAIL(r.error().message);
    ++samples;
  }
  CHECK(samples == ids.size());  // one sample per schema
  for (const char* required : {"order.created",
                               "order.reservation-paid",
                               "order.status-changed",
                               "order.delivered",
                               "order.unassigned",
                               "order.cancelled",
                               "order.register-sale",
                               "order.confirm-reservation-payment",
                               "order.confirm-final-payment",
                               "order.register-vehicle",
                               "order.handover",
                               "order.cancel",
                               "factory.place-order",
                               "factory.order-placed",
                               "factory.order-rejected",
                               "factory.submission-failed",
                               "factory.status-changed",
                               "factory.discrepancy-found",
                               "ingress.factory-status",
                               "support.ticket-opened",
                               "test.sample"})
    CHECK(registry().contains(required));
}

TEST_CASE("schema lookup by type, id and dataschema", "[schema]") {
  CHECK(registry().contains("test.sample"));
  CHECK(registry().contains("test.sample.v1"));
  CHECK(registry().contains("proto-schemas/test.sample.v1.json"));
  CHECK_FALSE(registry().contains("test.sample.v2"));
  CHECK_FALSE(registry().contains("topics"));
  auto r = registry().validate_json("no.such-type", "{}");
  CHECK(r.error().code == EventsErrc::unknown_schema);
}

TEST_CASE("validation failures report keyword and JSON pointer", "[schema]") {
  auto missing = registry().validate_json("test.sample", R"({"name":"x"})");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == EventsErrc::schema_violation);
  CHECK(missing.error().message.find("'required'") != std::string::npos);
  CHECK(missing.error().message.find("missing: count") != std::string::npos);

  auto nested = registry().validate_json("test.sample", R"({"name":"x","count":1,"nested":{"flag":"yes"}})");
  REQUIRE_FALSE(nested);
  CHECK(nested.error().message.find("'type'") != std::string::npos);
  CHECK(nested.error().message.find("'/nested/flag'") != std::string::npos);

  auto item = registry().validate_json("test.sample", R"({"name":"x","count":1,"tags":["a",2]})");
  REQUIRE_FALSE(item);
  CHECK(item.error().message.find("'/tags/1'") != std::string::npos);

  auto extra = registry().validate_json("test.sample", R"({"name":"x","count":1,"colour":"red"})");
  REQUIRE_FALSE(extra);
  CHECK(extra.error().message.find("additionalProperties") != std::string::npos);
  CHECK(extra.error().message.find("colour") != std::string::npos);

  CHECK(registry().validate_json("test.sample", R"({"name":"x","count":-1})").error().message.find("minimum") !=
        std::string::npos);
  CHECK(registry().validate_json("test.sample", R"({"name":"x","count":1,"count":2})").error().code ==
        EventsErrc::duplicate_key);
}

TEST_CASE("business rules encoded in the order and factory schemas", "[schema]") {
  const std::string status = read(fs::path(CAAS_EVENTS_SAMPLES_DIR) / "ingress.factory-status.json");
  auto doc = parse_strict_json(status).value();
  CHECK(registry().validate("ingress.factory-status", doc));
  doc["status"].SetString("EXPLODED");
  CHECK_FALSE(registry().validate("ingress.factory-status", doc));
  doc["status"].SetString("SHIPPED");
  doc["timestamp"].SetString("2024-02-01 10:00:00");
  CHECK_FALSE(registry().validate("ingress.factory-status", doc));

  auto delivered = parse_strict_json(read(fs::path(CAAS_EVENTS_SAMPLES_DIR) / "order.delivered.json")).value();
  delivered["vin"].SetString("VSSZZZ6JZ9R05630O");  // letter O is not allowed in a VIN
  CHECK_FALSE(registry().validate("order.delivered", delivered));
}

TEST_CASE("envelope data validated through its dataschema", "[schema]") {
  EnvelopeBuilder b(
      "caas/test", [] { return std::chrono::system_clock::time_point{}; }, seeded_uuid_generator(3));
  auto good = b.build("test.sample", "k", R"({"name":"n","count":0})", "c").value();
  CHECK(registry().validate(good));
  auto bad = b.build("test.sample", "k", R"({"name":"n"})", "c").value();
  CHECK(registry().validate(bad).error().code == EventsErrc::schema_violation);
}

TEST_CASE("registry construction errors are exceptions", "[schema]") {
  CHECK_THROWS_AS(SchemaRegistry("/nonexistent/dir"), std::runtime_error);
  const auto dir = fs::temp_directory_path() / ("caas-schema-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "bad.v1.json") << R"({"type":"object"})";  // no $schema
  CHECK_THROWS_AS(SchemaRegistry(dir), std::runtime_error);
  std::ofstream(dir / "bad.v1.json", std::ios::trunc) << "{not json";
  CHECK_THROWS_AS(SchemaRegistry(dir), std::runtime_error);
  fs::remove_all(dir);
}
