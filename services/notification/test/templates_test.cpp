// The templates shipped in services/notification/templates: every kind, every
// language, every channel renders with the variables the kind guarantees.
#include "domain/templates.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace caas::notification;

namespace {

const TemplateSet& shipped() {
  static const TemplateSet set = [] {
    auto s = TemplateSet::load(CAAS_NOTIFICATION_TEMPLATE_DIR);
    if (!s) FAIL(s.error().message);
    return std::move(*s);
  }();
  return set;
}

Variables sample_for(const NotificationKind& kind) {
  Variables v;
  for (auto name : kind.variables) v[std::string(name)] = "<" + std::string(name) + ">";
  return v;
}

std::filesystem::path temp_templates(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("caas-templates-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::copy(CAAS_NOTIFICATION_TEMPLATE_DIR, dir, std::filesystem::copy_options::recursive);
  return dir;
}

}  // namespace

TEST_CASE("every kind renders in every language on each of its channels", "[templates]") {
  for (const auto& kind : catalogue()) {
    const auto vars = sample_for(kind);
    for (auto channel : kind.channels) {
      auto es = shipped().render(kind.type, Language::es, channel, vars);
      auto en = shipped().render(kind.type, Language::en, channel, vars);
      INFO(std::string(kind.type) + " " + std::string(to_string(channel)));
      REQUIRE(es);
      REQUIRE(en);
      CHECK_FALSE(es->body.empty());
      CHECK(es->body != en->body);  // really translated
      if (channel != Channel::vehicle_display) {
        CHECK_FALSE(es->subject.empty());
        CHECK(es->subject != en->subject);
      }
      // Every variable the kind guarantees is either used or deliberately not;
      // none is left as a raw placeholder.
      CHECK(es->body.find("{{") == std::string::npos);
      CHECK(en->subject.find("{{") == std::string::npos);
    }
  }
}

TEST_CASE("the payment reminder names the deadline in both languages", "[templates]") {
  Variables v{{"order_number", "ORD-2026-01000001"}, {"order_id", "o"}, {"payment_deadline", "2026-12-06"}};
  auto es = shipped().render("arrived_payment_reminder", Language::es, Channel::email, v);
  auto en = shipped().render("arrived_payment_reminder", Language::en, Channel::email, v);
  REQUIRE(es);
  REQUIRE(en);
  CHECK(es->subject == "Tu vehículo ha llegado: completa el pago final");
  CHECK(en->subject == "Your vehicle has arrived - please complete payment");  // seed 000's words
  CHECK(es->body.find("2026-12-06") != std::string::npos);
  CHECK(en->body.find("2026-12-06") != std::string::npos);
}

TEST_CASE("a missing variable at render time is an error, never a blank", "[templates]") {
  auto r = shipped().render("vehicle_shipped", Language::es, Channel::email, {{"order_id", "o"}});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("order_number") != std::string::npos);
  auto empty =
      shipped().render("vehicle_shipped", Language::es, Channel::email, {{"order_id", "o"}, {"order_number", ""}});
  CHECK_FALSE(empty);
}

TEST_CASE("template files are parsed strictly", "[templates]") {
  CHECK_FALSE(Template::parse("Hola {{name"));
  CHECK_FALSE(Template::parse("Hola name}}"));
  CHECK_FALSE(Template::parse("Hola {{Bad-Name}}"));
  auto t = Template::parse("Hola {{ name }}, {{name}}!");
  REQUIRE(t);
  CHECK(*t->render({{"name", "Lucía"}}) == "Hola Lucía, Lucía!");
  CHECK_FALSE(TemplateSet::parse_sections("text before\n== email.subject ==\nx\n"));
  CHECK_FALSE(TemplateSet::parse_sections("== a ==\nx\n== a ==\ny\n"));
  auto sections = TemplateSet::parse_sections("== email.subject ==\nS\n\n== email.body ==\nline 1\n\nline 2\n");
  REQUIRE(sections);
  CHECK(*sections->at("email.body").render({}) == "line 1\n\nline 2");
}

TEST_CASE("loading refuses a missing template, section or undeclared variable", "[templates]") {
  SECTION("missing file") {
    auto dir = temp_templates("missing");
    std::filesystem::remove(dir / "en" / "vehicle_shipped.txt");
    auto s = TemplateSet::load(dir);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("en/vehicle_shipped.txt") != std::string::npos);
    std::filesystem::remove_all(dir);
  }
  SECTION("missing section and undeclared variable") {
    auto dir = temp_templates("broken");
    std::ofstream(dir / "es" / "vehicle_shipped.txt", std::ios::trunc)
        << "== email.subject ==\nHola {{customer_name}}\n== email.body ==\nx\n== push.title ==\nt\n";
    auto s = TemplateSet::load(dir);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("customer_name") != std::string::npos);
    CHECK(s.error().message.find("missing section push.body") != std::string::npos);
    std::filesystem::remove_all(dir);
  }
}
