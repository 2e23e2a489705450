#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "caas/events/factory_status.hpp"
#include "caas/events/json.hpp"

using namespace caas::events;

namespace {
const std::vector<std::string> kExpected{
    "ORDERED", "IN_PRODUCTION",        "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT",
    "SHIPPED", "ARRIVED_AT_DEALERSHIP"};

std::vector<std::string> ours() {
  std::vector<std::string> out;
  for (auto s : kAllFactoryStatuses) out.emplace_back(to_string(s));
  return out;
}

/// The string members of properties/<property>/enum of a schema (null dropped).
std::vector<std::string> schema_enum(const std::string& schema, const char* property) {
  std::ifstream in(std::string(CAAS_SCHEMA_DIR) + "/" + schema);
  std::ostringstream text;
  text << in.rdbuf();
  auto doc = parse_strict_json(text.str());
  REQUIRE(doc);
  const auto& e = (*doc)["properties"][property]["enum"];
  REQUIRE(e.IsArray());
  std::vector<std::string> out;
  for (const auto& v : e.GetArray()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}
}  // namespace

TEST_CASE("factory statuses: names, order and round trip", "[factory_status]") {
  CHECK(ours() == kExpected);
  for (std::size_t i = 0; i < kAllFactoryStatuses.size(); ++i) {
    const auto s = kAllFactoryStatuses[i];
    CHECK(rank(s) == static_cast<int>(i));
    CHECK(parse_factory_status(to_string(s)) == s);
  }
  CHECK(rank(FactoryStatus::ordered) < rank(FactoryStatus::arrived_at_dealership));
  CHECK_FALSE(parse_factory_status("shipped"));  // case-sensitive, as the schemas
  CHECK_FALSE(parse_factory_status(""));
  CHECK_FALSE(parse_factory_status("QUEUED"));
  CHECK_FALSE(parse_factory_status("SHIPPED "));
}

TEST_CASE("factory statuses: the normal path walks every status once", "[factory_status]") {
  std::vector<FactoryStatus> path{FactoryStatus::ordered};
  while (auto next = next_factory_status(path.back())) path.push_back(*next);
  CHECK(path == std::vector<FactoryStatus>(kAllFactoryStatuses.begin(), kAllFactoryStatuses.end()));
}

TEST_CASE("factory statuses: the event contract lists exactly these, in this order", "[factory_status][schema]") {
  CHECK(schema_enum("factory.status-changed.v1.json", "status") == kExpected);
  CHECK(schema_enum("factory.status-changed.v1.json", "previous_status") == kExpected);
  CHECK(schema_enum("ingress.factory-status.v1.json", "status") == kExpected);
  CHECK(schema_enum("factory.discrepancy-found.v1.json", "caas_status") == kExpected);
  CHECK(schema_enum("factory.discrepancy-found.v1.json", "factory_status") == kExpected);
}
