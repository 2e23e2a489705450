#include "domain/catalogue.hpp"

#include <caas/events/json.hpp>

#include <algorithm>

namespace caas::factory_sim {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

Error catalogue_error(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), "catalogue: " + std::move(message)};
}

Result<std::vector<std::string>> string_list(const rapidjson::Value& v, std::string_view name) {
  if (!v.IsArray()) return catalogue_error(std::string(name) + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : v.GetArray()) {
    if (!item.IsString() || item.GetStringLength() == 0) {
      return catalogue_error(std::string(name) + " must contain non-empty strings");
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

}  // namespace

Catalogue Catalogue::defaults() {
  Catalogue c;
  c.platform_bases = {"SUV_ELECTRIC_2024", "SEDAN_ELECTRIC_2024", "COMPACT_ELECTRIC_2024", "VAN_ELECTRIC_2024",
                      "SUV_HYBRID_2024"};
  c.option_codes = {"POWER_BOOST_50", "POWER_BOOST_100",  "ADAS_LEVEL_2",   "ADAS_LEVEL_3",
                    "SNOW_MODE",      "PREMIUM_AUDIO",    "HEATED_SEATS",   "PANORAMIC_ROOF",
                    "TOW_PACKAGE",    "EXTENDED_RANGE",   "AUTO_PARKING",   "AMBIENT_LIGHTING",
                    "NIGHT_VISION",   "SPORT_SUSPENSION", "WINTER_PACKAGE", "FAST_CHARGING"};
  c.plants = {"Barcelona Factory", "Martorell Factory", "Zaragoza Factory"};
  return c;
}

bool Catalogue::has_platform(std::string_view code) const {
  return contains(platform_bases, code);
}
bool Catalogue::has_option(std::string_view code) const {
  return contains(option_codes, code);
}
bool Catalogue::has_color(std::string_view code) const {
  return colors.empty() || contains(colors, code);
}
bool Catalogue::has_interior(std::string_view code) const {
  return interiors.empty() || contains(interiors, code);
}

Result<Catalogue> parse_catalogue(std::string_view json) {
  auto doc = events::parse_strict_json(json);
  if (!doc) return catalogue_error(doc.error().message);
  if (!doc->IsObject()) return catalogue_error("must be a JSON object");
  Catalogue c = Catalogue::defaults();
  for (const auto& m : doc->GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    std::vector<std::string>* list = nullptr;
    if (name == "platform_bases")
      list = &c.platform_bases;
    else if (name == "option_codes")
      list = &c.option_codes;
    else if (name == "colors")
      list = &c.colors;
    else if (name == "interiors")
      list = &c.interiors;
    else if (name == "plants")
      list = &c.plants;
    if (list != nullptr) {
      auto values = string_list(m.value, name);
      if (!values) return values.error();
      *list = std::move(*values);
    } else if (name == "lead_time_days") {
      if (!m.value.IsInt() || m.value.GetInt() < 1 || m.value.GetInt() > 3650) {
        return catalogue_error("lead_time_days must be an integer in 1..3650");
      }
      c.lead_time_days = m.value.GetInt();
    } else {
      return catalogue_error("unknown member '" + name + "'");
    }
  }
  if (c.platform_bases.empty()) return catalogue_error("platform_bases must not be empty");
  if (c.plants.empty()) return catalogue_error("plants must not be empty");
  return c;
}

}  // namespace caas::factory_sim
