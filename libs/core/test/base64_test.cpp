// caas/core/base64.hpp against the RFC 4648 §10 test vectors, plus the
// strictness that keeps signatures and JWTs non-malleable.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "caas/core/base64.hpp"

namespace {

// RFC 4648 §10.
const std::pair<std::string, std::string> kVectors[] = {{"", ""},
                                                        {"f", "Zg=="},
                                                        {"fo", "Zm8="},
                                                        {"foo", "Zm9v"},
                                                        {"foob", "Zm9vYg=="},
                                                        {"fooba", "Zm9vYmE="},
                                                        {"foobar", "Zm9vYmFy"}};

std::string unpadded(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

}  // namespace

TEST_CASE("base64: RFC 4648 §10 vectors encode and decode", "[base64]") {
  for (const auto& [plain, encoded] : kVectors) {
    INFO(plain);
    CHECK(caas::base64_encode(plain) == encoded);
    auto decoded = caas::base64_decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == plain);
    auto mime = caas::base64_decode_mime(encoded);
    REQUIRE(mime.ok());
    CHECK(*mime == plain);
  }
}

TEST_CASE("base64url: RFC 4648 §10 vectors unpadded, and the §5 alphabet", "[base64]") {
  for (const auto& [plain, encoded] : kVectors) {
    INFO(plain);
    CHECK(caas::base64url_encode(plain) == unpadded(encoded));
    auto decoded = caas::base64url_decode(unpadded(encoded));
    REQUIRE(decoded.ok());
    CHECK(*decoded == plain);
  }
  // 0xFB 0xFF uses symbols 62 and 63, where the alphabets differ.
  CHECK(caas::base64_encode("\xfb\xff") == "+/8=");
  CHECK(caas::base64url_encode("\xfb\xff") == "-_8");
  CHECK(caas::base64url_decode("-_8").value() == "\xfb\xff");
  CHECK(caas::base64_decode("+/8=").value() == "\xfb\xff");
}

TEST_CASE("base64: every byte value round trips through both alphabets", "[base64]") {
  const std::string bytes = all_bytes();
  for (std::size_t n = 0; n <= bytes.size(); n += 37) {
    const auto piece = bytes.substr(bytes.size() - n);
    CHECK(caas::base64_decode(caas::base64_encode(piece)).value() == piece);
    CHECK(caas::base64url_decode(caas::base64url_encode(piece)).value() == piece);
  }
}

TEST_CASE("base64: the strict decoders refuse every other spelling", "[base64]") {
  CHECK_FALSE(caas::base64_decode("Zm9"));       // padding missing
  CHECK_FALSE(caas::base64_decode("Zm9v\n"));    // whitespace
  CHECK_FALSE(caas::base64_decode("Zm 9v"));     // whitespace
  CHECK_FALSE(caas::base64_decode("Zh=="));      // non-zero trailing bits: "Zg==" is the one spelling
  CHECK_FALSE(caas::base64_decode("Zm9=Zm9v"));  // data after padding
  CHECK_FALSE(caas::base64_decode("Z==="));      // three padding symbols
  CHECK_FALSE(caas::base64_decode("Zm9v-_=="));  // base64url symbols
  CHECK_FALSE(caas::base64url_decode("Zg=="));   // padding (not in JWTs)
  CHECK_FALSE(caas::base64url_decode("Zm9v+"));  // §4 symbol
  CHECK_FALSE(caas::base64url_decode("Zm9vY"));  // a single symbol cannot carry a byte
  CHECK_FALSE(caas::base64url_decode("Zh"));     // non-zero trailing bits
  const auto failed = caas::base64_decode("Z!9v");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == caas::CodecErrc::invalid_encoding);
  CHECK(failed.error().code.category().name() == std::string("caas.codec"));
  CHECK(failed.error().message == "base64: invalid character");
}

TEST_CASE("base64 (MIME): line breaks and blanks are skipped, structure is still checked", "[base64]") {
  CHECK(caas::base64_decode_mime("Zm9v\r\nYmFy\r\n").value() == "foobar");
  CHECK(caas::base64_decode_mime(" Zm9v\tYg= =").value() == "foob");
  CHECK(caas::base64_decode_mime("Zh==").value() == "f");  // lenient about trailing bits
  CHECK_FALSE(caas::base64_decode_mime("Zm9"));
  CHECK_FALSE(caas::base64_decode_mime("Zm=v"));
  CHECK_FALSE(caas::base64_decode_mime("Z!9v"));
}
