#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "caas/security/crypto.hpp"
#include "caas/security/errors.hpp"
#include "caas/security/webhook_signature.hpp"

using namespace caas::security;
using namespace std::chrono_literals;

namespace {
const std::string kBody = R"({"order_id":"FAC-2024-001234","status":"SHIPPED","timestamp":"2024-02-01T10:00:00Z"})";
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}
}  // namespace

TEST_CASE("factory signature verification", "[webhook][factory]") {
  auto secrets = SecretSet::from_bytes({"new-secret", "old-secret"});
  SECTION("current secret, lowercase and uppercase hex, sha256= prefix") {
    const auto sig = sign_factory(kBody, "new-secret");
    CHECK(sig.size() == 64);
    auto r = verify_factory_signature(kBody, sig, secrets);
    REQUIRE(r);
    CHECK(r->index == 0);
    CHECK(verify_factory_signature(kBody, upper(sig), secrets));
    CHECK(verify_factory_signature(kBody, "sha256=" + sig, secrets));
  }
  SECTION("rotation: the second secret is still accepted") {
    auto r = verify_factory_signature(kBody, sign_factory(kBody, "old-secret"), secrets);
    REQUIRE(r);
    CHECK(r->index == 1);
    CHECK(r->id == secrets.id(1));
  }
  SECTION("tampered body") {
    auto r = verify_factory_signature(kBody + " ", sign_factory(kBody, "new-secret"), secrets);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == SecurityErrc::bad_signature);
  }
  SECTION("wrong secret") {
    auto r = verify_factory_signature(kBody, sign_factory(kBody, "other"), secrets);
    CHECK(r.error().code == SecurityErrc::bad_signature);
  }
  SECTION("missing and malformed headers") {
    CHECK(verify_factory_signature(kBody, "", secrets).error().code == SecurityErrc::missing_header);
    CHECK(verify_factory_signature(kBody, "abc", secrets).error().code == SecurityErrc::malformed);
    CHECK(verify_factory_signature(kBody, std::string(64, 'g'), secrets).error().code == SecurityErrc::malformed);
  }
}

TEST_CASE("standard webhooks verification", "[webhook][standard]") {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  auto secrets = SecretSet::parse("whsec_" + base64_encode(secret) + "\nprevious-secret\n");
  const std::int64_t ts = 1700000000;
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{ts}};
  const std::string id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  const auto sig = sign_standard_webhook(id, ts, kBody, secret);
  REQUIRE(sig.substr(0, 3) == "v1,");

  SECTION("valid") {
    auto r = verify_standard_webhook(id, std::to_string(ts), kBody, sig, secrets, now);
    REQUIRE(r);
    CHECK(r->index == 0);
  }
  SECTION("several signatures, unknown versions ignored, rotation") {
    const auto old_sig = sign_standard_webhook(id, ts, kBody, "previous-secret");
    auto r = verify_standard_webhook(id, std::to_string(ts), kBody, "v1a,AAAA v1,bm90LWEtc2lnbmF0dXJl " + old_sig,
                                     secrets, now);
    REQUIRE(r);
    CHECK(r->index == 1);
  }
  SECTION("timestamp tolerance boundaries in both directions") {
    for (auto offset : {-300s, 300s, 0s}) {
      auto t = ts + offset.count();
      CHECK(verify_standard_webhook(id, std::to_string(t), kBody, sign_standard_webhook(id, t, kBody, secret), secrets,
                                    now));
    }
    for (auto offset : {-301s, 301s}) {
      auto t = ts + offset.count();
      auto r = verify_standard_webhook(id, std::to_string(t), kBody, sign_standard_webhook(id, t, kBody, secret),
                                       secrets, now);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == SecurityErrc::timestamp_out_of_tolerance);
    }
  }
  SECTION("tampered body, id or timestamp") {
    CHECK(verify_standard_webhook(id, std::to_string(ts), kBody + "x", sig, secrets, now).error().code ==
          SecurityErrc::bad_signature);
    CHECK(verify_standard_webhook("msg_other", std::to_string(ts), kBody, sig, secrets, now).error().code ==
          SecurityErrc::bad_signature);
    CHECK(verify_standard_webhook(id, std::to_string(ts + 1), kBody, sig, secrets, now).error().code ==
          SecurityErrc::bad_signature);
  }
  SECTION("missing and malformed headers") {
    CHECK(verify_standard_webhook("", std::to_string(ts), kBody, sig, secrets, now).error().code ==
          SecurityErrc::missing_header);
    CHECK(verify_standard_webhook(id, "", kBody, sig, secrets, now).error().code == SecurityErrc::missing_header);
    CHECK(verify_standard_webhook(id, std::to_string(ts), kBody, "", secrets, now).error().code ==
          SecurityErrc::missing_header);
    CHECK(verify_standard_webhook(id, "17e8", kBody, sig, secrets, now).error().code == SecurityErrc::malformed);
    CHECK(verify_standard_webhook(id, "-1", kBody, sig, secrets, now).error().code == SecurityErrc::malformed);
    CHECK(verify_standard_webhook(id, std::to_string(ts), kBody, "v2,abc", secrets, now).error().code ==
          SecurityErrc::malformed);
    CHECK(verify_standard_webhook(id, std::to_string(ts), kBody, "v1,!!!", secrets, now).error().code ==
          SecurityErrc::malformed);
  }
}

TEST_CASE("copied SecretSet verifies the same signatures", "[webhook][secrets]") {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  const std::int64_t ts = 1700000000;
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{ts}};
  const std::string id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  auto original = std::make_unique<SecretSet>(SecretSet::from_bytes({"new-secret", secret}));
  const SecretSet copy = *original;
  SecretSet assigned = SecretSet::from_bytes({"unrelated"});
  assigned = copy;
  original.reset();  // copies must not depend on the original's lifetime

  for (const SecretSet* set : std::initializer_list<const SecretSet*>{&copy, &assigned}) {
    auto f = verify_factory_signature(kBody, sign_factory(kBody, "new-secret"), *set);
    REQUIRE(f);
    CHECK(f->index == 0);
    CHECK(f->id == copy.id(0));
    CHECK(verify_factory_signature(kBody, sign_factory(kBody, "other"), *set).error().code ==
          SecurityErrc::bad_signature);
    auto s =
        verify_standard_webhook(id, std::to_string(ts), kBody, sign_standard_webhook(id, ts, kBody, secret), *set, now);
    REQUIRE(s);
    CHECK(s->index == 1);
    CHECK(set->hmac_key(1).mac(kBody) == hmac_sha256(secret, kBody));
  }
}
