#include <catch2/catch.hpp>

#include "caas/security/errors.hpp"
#include "caas/security/identity.hpp"

using namespace caas::security;

TEST_CASE("API key store", "[apikeys]") {
  auto store = ApiKeyStore::parse(
      "# key role subject\n"
      "adm-0123456789abcdef admin ops-lead\n"
      "\n"
      "dlr-0123456789abcdef   dealer   DEALER-ES-001\r\n"
      "sys-0123456789abcdef system factory-adapter\n"
      "opr-0123456789abcdef operator alice\n");
  CHECK(store.size() == 4);
  auto p = store.authenticate("dlr-0123456789abcdef");
  REQUIRE(p);
  CHECK(p->role == Role::dealer);
  CHECK(p->subject == "DEALER-ES-001");
  CHECK(store.authenticate("opr-0123456789abcdef")->role == Role::operator_);
  CHECK(store.authenticate("dlr-0123456789abcdeF").error().code == SecurityErrc::unknown_key);
  CHECK_FALSE(store.authenticate(""));

  CHECK_THROWS_AS(ApiKeyStore::parse("short admin x\n"), std::runtime_error);
  CHECK_THROWS_AS(ApiKeyStore::parse("adm-0123456789abcdef root x\n"), std::runtime_error);
  CHECK_THROWS_AS(ApiKeyStore::parse("adm-0123456789abcdef customer x\n"), std::runtime_error);
  CHECK_THROWS_AS(ApiKeyStore::parse("adm-0123456789abcdef admin\n"), std::runtime_error);
  CHECK_THROWS_AS(ApiKeyStore::parse("adm-0123456789abcdef admin a\nadm-0123456789abcdef dealer b\n"),
                  std::runtime_error);
  CHECK_THROWS_AS(ApiKeyStore::parse("# none\n"), std::runtime_error);
  try {
    (void)ApiKeyStore::parse("secret-key-value-xyz root x\n", "keys.txt");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("secret-key-value-xyz") == std::string::npos);
    CHECK(std::string(e.what()).find("keys.txt:1") != std::string::npos);
  }
}

TEST_CASE("roles round-trip", "[apikeys]") {
  for (Role r : {Role::admin, Role::operator_, Role::dealer, Role::system, Role::customer})
    CHECK(parse_role(to_string(r)) == r);
  CHECK_FALSE(parse_role("root"));
}
