// caas/core/uuid.hpp against the examples of RFC 9562 Appendix A.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>

#include "caas/core/uuid.hpp"

namespace {
std::array<std::uint8_t, 16> from_hex(const std::string& hex) {
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}
}  // namespace

TEST_CASE("uuid: RFC 9562 A.3 (version 4) and A.4 (version 5) examples", "[uuid]") {
  // A.3: the random bits as given, version and variant set by the formatter.
  CHECK(caas::format_uuid(from_hex("919108f752d133205bacf847db4148a8"), 4) == "919108f7-52d1-4320-9bac-f847db4148a8");
  // A.4: the first 16 bytes of SHA-1(namespace DNS || "www.example.com").
  CHECK(caas::format_uuid(from_hex("2ed6657de927468b55e12665a8aea6a2"), 5) == "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST_CASE("uuid: only the version nibble and the variant bits are overwritten", "[uuid]") {
  std::array<std::uint8_t, 16> ones{};
  ones.fill(0xFF);
  CHECK(caas::format_uuid(ones, 8) == "ffffffff-ffff-8fff-bfff-ffffffffffff");
  const std::array<std::uint8_t, 16> zeros{};
  CHECK(caas::format_uuid(zeros, 4) == "00000000-0000-4000-8000-000000000000");
  const auto counting = from_hex("000102030405060708090a0b0c0d0e0f");
  CHECK(caas::format_uuid(counting, 5) == "00010203-0405-5607-8809-0a0b0c0d0e0f");
}
