// The shipped catalogue matches the vehicles caas-iot-sim simulates: every
// platform exists, every parameter is in that platform's firmware with the
// same kind, and every platform whose firmware has a service's parameters
// offers the service. (Both sides are pure domain code.)
#include "domain/catalogue.hpp"
#include "domain/fleet.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace caas;

namespace {
bool same_kind(const ota::ParamValue& ours, const iot_sim::Value& theirs) {
  switch (ours.kind) {
    case ota::ParamValue::Kind::string:
      return std::holds_alternative<std::string>(theirs);
    case ota::ParamValue::Kind::boolean:
      return std::holds_alternative<bool>(theirs);
    case ota::ParamValue::Kind::integer:
      return std::holds_alternative<std::int64_t>(theirs) || std::holds_alternative<double>(theirs);
    case ota::ParamValue::Kind::decimal:
      return std::holds_alternative<double>(theirs);
  }
  return false;
}
}  // namespace

TEST_CASE("the shipped catalogue matches the platforms and parameters of caas-iot-sim's fleet") {
  std::ifstream in(CAAS_OTA_CATALOGUE_FILE_PATH);
  std::stringstream text;
  text << in.rdbuf();
  auto catalogue = ota::Catalogue::parse(text.str());
  REQUIRE(catalogue.ok());
  const auto& fleet = iot_sim::platforms();
  for (const auto& service : catalogue->services()) {
    INFO(service.code);
    for (const auto& [platform, values] : service.platforms) {
      INFO(platform);
      auto spec = std::find_if(fleet.begin(), fleet.end(), [&](const auto& p) { return p.name == platform; });
      REQUIRE(spec != fleet.end());
      for (const auto* params : {&values.activation, &values.deactivation}) {
        for (const auto& [name, value] : *params) {
          INFO(name);
          auto it = spec->defaults.find(name);
          REQUIRE(it != spec->defaults.end());
          CHECK(same_kind(value, it->second));
        }
      }
    }
    // Every simulated platform that has the service's parameters offers it.
    const auto& some = service.platforms.begin()->second.activation;
    for (const auto& spec : fleet) {
      bool has_all = true;
      for (const auto& [name, value] : some) has_all = has_all && spec.defaults.count(name) > 0;
      CHECK(has_all == (service.platforms.count(std::string(spec.name)) > 0));
    }
  }
}
