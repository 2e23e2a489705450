#include <catch2/catch.hpp>

#include "caas/security/crypto.hpp"
#include "caas/security/errors.hpp"
#include "caas/security/identity.hpp"

using namespace caas::security;
using namespace std::chrono_literals;

namespace {
const std::string kSecret = "token-secret-0123456789";
const auto kNow = std::chrono::system_clock::time_point{std::chrono::seconds{1700000000}};

std::string forge(const std::string& header, const std::string& payload, const std::string& secret) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(to_bytes(hmac_sha256(secret, input)));
}
}  // namespace

TEST_CASE("issued tokens verify", "[token]") {
  const auto token = issue_token({"CAAS-CUST-123456", Role::customer, kNow + 1h, kNow}, kSecret);
  auto p = verify_token(token, kSecret, kNow);
  REQUIRE(p);
  CHECK(p->subject == "CAAS-CUST-123456");
  CHECK(p->role == Role::customer);
  CHECK(verify_token(token, kSecret, kNow + 1h - 1s));
}

TEST_CASE("expired tokens are refused", "[token]") {
  const auto token = issue_token({"c1", Role::customer, kNow + 1h, kNow}, kSecret);
  CHECK(verify_token(token, kSecret, kNow + 1h).error().code == SecurityErrc::token_expired);
}

TEST_CASE("wrong secret and tampering are refused", "[token]") {
  const auto token = issue_token({"c1", Role::customer, kNow + 1h, kNow}, kSecret);
  CHECK(verify_token(token, "other-secret", kNow).error().code == SecurityErrc::bad_signature);
  // Swap in a payload claiming admin, keep the old signature.
  const auto d1 = token.find('.');
  const auto d2 = token.rfind('.');
  const std::string evil =
      token.substr(0, d1 + 1) + base64url_encode(R"({"sub":"c1","role":"admin","exp":9999999999})") + token.substr(d2);
  CHECK(verify_token(evil, kSecret, kNow).error().code == SecurityErrc::bad_signature);
}

TEST_CASE("alg none and other algorithms are refused", "[token]") {
  const std::string payload = R"({"sub":"c1","exp":9999999999})";
  const std::string none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + base64url_encode(payload) + ".";
  CHECK(verify_token(none, kSecret, kNow).error().code == SecurityErrc::unsupported_algorithm);
  CHECK(verify_token(forge(R"({"alg":"HS512","typ":"JWT"})", payload, kSecret), kSecret, kNow).error().code ==
        SecurityErrc::unsupported_algorithm);
  CHECK(verify_token(forge(R"({"typ":"JWT"})", payload, kSecret), kSecret, kNow).error().code ==
        SecurityErrc::unsupported_algorithm);
}

TEST_CASE("missing claims and malformed tokens are refused", "[token]") {
  const std::string h = R"({"alg":"HS256","typ":"JWT"})";
  CHECK(verify_token(forge(h, R"({"exp":9999999999})", kSecret), kSecret, kNow).error().code ==
        SecurityErrc::missing_claim);
  CHECK(verify_token(forge(h, R"({"sub":"c1"})", kSecret), kSecret, kNow).error().code == SecurityErrc::missing_claim);
  CHECK(verify_token(forge(h, R"({"sub":"c1","exp":"soon"})", kSecret), kSecret, kNow).error().code ==
        SecurityErrc::missing_claim);
  CHECK(verify_token(forge(h, R"({"sub":"c1","exp":9999999999,"role":"root"})", kSecret), kSecret, kNow).error().code ==
        SecurityErrc::missing_claim);
  CHECK(verify_token(forge(h, R"({"sub":"c1","exp":9999999999,"nbf":9999999990})", kSecret), kSecret, kNow)
            .error()
            .code == SecurityErrc::token_expired);
  CHECK(verify_token(forge(h, "not json", kSecret), kSecret, kNow).error().code == SecurityErrc::malformed);
  CHECK(verify_token("a.b", kSecret, kNow).error().code == SecurityErrc::malformed);
  CHECK(verify_token("a.b.c.d", kSecret, kNow).error().code == SecurityErrc::malformed);
  CHECK(verify_token("e30=.e30.sig", kSecret, kNow).error().code == SecurityErrc::malformed);
  CHECK(verify_token("", kSecret, kNow).error().code == SecurityErrc::missing_header);
  CHECK(verify_token(std::string(9000, 'a'), kSecret, kNow).error().code == SecurityErrc::malformed);
}
