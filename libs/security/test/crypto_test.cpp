#include <catch2/catch.hpp>

#include <array>
#include <thread>
#include <vector>

#include "caas/security/crypto.hpp"
#include "caas/security/errors.hpp"
#include "caas/security/secrets.hpp"

using namespace caas::security;

namespace {
std::string hmac_hex(const std::string& key, const std::string& data) {
  return hex_encode(to_bytes(hmac_sha256(key, data)));
}
std::string bytes(const char* hex) {
  return hex_decode(hex).value();
}
}  // namespace

TEST_CASE("HMAC-SHA256 RFC 4231 test vectors", "[crypto][rfc4231]") {
  SECTION("case 1") {
    CHECK(hmac_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SECTION("case 2: key shorter than output") {
    CHECK(hmac_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SECTION("case 3: combined length > block") {
    CHECK(hmac_hex(std::string(20, '\xaa'), std::string(50, '\xdd')) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  }
  SECTION("case 4") {
    CHECK(hmac_hex(bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd')) ==
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  }
  SECTION("case 5: truncation to 128 bits") {
    CHECK(hmac_hex(std::string(20, '\x0c'), "Test With Truncation").substr(0, 32) ==
          "a3b6167473100ee06e0c796c2955552b");
  }
  SECTION("case 6: key larger than block size") {
    CHECK(hmac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
  SECTION("case 7: key and data larger than block size") {
    CHECK(hmac_hex(std::string(131, '\xaa'),
                   "This is a test using a larger than block-size key and a larger than block-size data. "
                   "The key needs to be hashed before being used by the HMAC algorithm.") ==
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  }
}

TEST_CASE("HmacSha256Key RFC 4231 test vectors", "[crypto][rfc4231][hmac_key]") {
  SECTION("case 1") {
    const HmacSha256Key key(std::string(20, '\x0b'));
    CHECK(hex_encode(to_bytes(key.mac("Hi There"))) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SECTION("case 2: key shorter than output") {
    const HmacSha256Key key("Jefe");
    CHECK(hex_encode(to_bytes(key.mac("what do ya want for nothing?"))) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SECTION("the same key object gives the same answer every time") {
    const HmacSha256Key key("Jefe");
    for (int i = 0; i < 3; ++i)
      CHECK(hex_encode(to_bytes(key.mac("what do ya want for nothing?"))) ==
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
}

TEST_CASE("HmacSha256Key equals hmac_sha256 for several keys and messages", "[crypto][hmac_key]") {
  const std::vector<std::string> keys = {"k",
                                         "Jefe",
                                         std::string(32, '\x01'),
                                         std::string(64, 'b'),
                                         std::string(65, 'c'),
                                         std::string(131, '\xaa'),
                                         std::string("nul\0inside", 10),
                                         ""};
  const std::vector<std::string> messages = {"",
                                             "a",
                                             std::string(55, 'm'),
                                             std::string(64, 'm'),
                                             std::string(190, '{'),
                                             std::string(4096, 'z'),
                                             std::string("bin\0\xff", 5)};
  for (const auto& k : keys) {
    const HmacSha256Key key(k);
    for (const auto& m : messages) {
      INFO("key size " << k.size() << ", message size " << m.size());
      CHECK(key.mac(m) == hmac_sha256(k, m));
    }
  }
  SECTION("move keeps the key") {
    HmacSha256Key a("Jefe");
    HmacSha256Key b(std::move(a));
    CHECK(b.mac("x") == hmac_sha256("Jefe", "x"));
  }
}

TEST_CASE("HmacSha256Key used from 4 threads at once", "[crypto][hmac_key][threads]") {
  const HmacSha256Key key("shared-secret");
  constexpr int kThreads = 4;
  constexpr int kIterations = 2000;
  std::vector<std::string> messages;
  for (int t = 0; t < kThreads; ++t) messages.push_back(std::string(190, static_cast<char>('a' + t)));
  // Threads only compute; all assertions run after join (Catch2 is not thread-safe).
  std::array<Digest, kThreads> first{};
  std::array<int, kThreads> mismatches{};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      first[t] = key.mac(messages[t]);
      for (int i = 1; i < kIterations; ++i)
        if (key.mac(messages[t]) != first[t]) ++mismatches[t];
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t);
    CHECK(mismatches[t] == 0);
    CHECK(first[t] == hmac_sha256("shared-secret", messages[t]));
  }
}

TEST_CASE("sha256 known answers", "[crypto][sha256]") {
  CHECK(hex_encode(to_bytes(sha256(""))) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_encode(to_bytes(sha256("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("constant_time_equal", "[crypto]") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK(constant_time_equal("", ""));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("hex codec", "[crypto]") {
  CHECK(hex_encode(std::string("\x00\xff\x10", 3)) == "00ff10");
  CHECK(hex_decode("00FF10").value() == std::string("\x00\xff\x10", 3));
  CHECK_FALSE(hex_decode("abc"));
  CHECK_FALSE(hex_decode("zz"));
  CHECK(hex_decode("zz").error().code == SecurityErrc::invalid_encoding);
}

TEST_CASE("base64 codecs (RFC 4648 vectors)", "[crypto]") {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : vectors) {
    CHECK(base64_encode(plain) == enc);
    CHECK(base64_decode(enc).value() == plain);
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(base64url_decode("-_8").value() == "\xfb\xff");
  CHECK_FALSE(base64_decode("Zm9"));     // missing padding
  CHECK_FALSE(base64_decode("Zm9v\n"));  // whitespace
  CHECK_FALSE(base64_decode("Zh=="));    // non-canonical trailing bits
  CHECK_FALSE(base64url_decode("Zm9v+"));
  CHECK_FALSE(base64url_decode("Zg=="));  // padding not allowed in base64url (JWT)
}

TEST_CASE("SecretSet parsing and redaction", "[secrets]") {
  auto set = SecretSet::parse("# rotation in progress\n\ncurrent-secret\r\n  old-secret  \nwhsec_" +
                              base64_encode("raw-bytes") + "\n");
  REQUIRE(set.size() == 3);
  CHECK(set.current() == "current-secret");
  CHECK(set.secret(1) == "old-secret");
  CHECK(set.secret(2) == "raw-bytes");
  const auto red = set.redacted();
  CHECK(red.find("current-secret") == std::string::npos);
  CHECK(red.find("old-secret") == std::string::npos);
  CHECK(red.find("3 secrets") != std::string::npos);
  CHECK(set.id(0).substr(0, 2) == "0:");
  CHECK_THROWS_AS(SecretSet::parse("# only comments\n\n"), std::runtime_error);
  CHECK_THROWS_AS(SecretSet::parse("whsec_!!!notbase64"), std::runtime_error);
  CHECK_THROWS_AS(SecretSet::load_file("/nonexistent/secrets"), std::runtime_error);
  CHECK_THROWS_AS(SecretSet::from_bytes({}), std::invalid_argument);
}
