// caas/core/utf8.hpp: the boundaries of each sequence length (RFC 3629 §4)
// and the malformed cases a validator must refuse.
#include <catch2/catch.hpp>

#include <string>

#include "caas/core/utf8.hpp"

TEST_CASE("utf8: the first and last code point of each length are valid", "[utf8]") {
  const char* valid[] = {
      "",
      "plain ASCII",
      "\x7F",              // U+007F
      "\xC2\x80",          // U+0080
      "\xDF\xBF",          // U+07FF
      "\xE0\xA0\x80",      // U+0800
      "\xED\x9F\xBF",      // U+D7FF, below the surrogates
      "\xEE\x80\x80",      // U+E000, above them
      "\xEF\xBF\xBF",      // U+FFFF
      "\xF0\x90\x80\x80",  // U+10000
      "\xF4\x8F\xBF\xBF",  // U+10FFFF
      "Grüße, 日本, 🚗",
  };
  for (const char* text : valid) {
    INFO(text);
    CHECK(caas::is_valid_utf8(text));
  }
  CHECK(caas::is_valid_utf8(std::string("a\0b", 3)));  // NUL is a code point
}

TEST_CASE("utf8: overlongs, surrogates, out of range and stray bytes are invalid", "[utf8]") {
  const char* invalid[] = {
      "\xC0\x80",                  // overlong U+0000
      "\xC1\xBF",                  // overlong U+007F
      "\xE0\x80\x80",              // overlong U+0000
      "\xE0\x9F\xBF",              // overlong U+07FF
      "\xF0\x80\x80\x80",          // overlong U+0000
      "\xF0\x8F\xBF\xBF",          // overlong U+FFFF
      "\xED\xA0\x80",              // U+D800, high surrogate
      "\xED\xBF\xBF",              // U+DFFF, low surrogate
      "\xED\xA0\xBD\xED\xB2\xA9",  // a CESU-8 surrogate pair
      "\xF4\x90\x80\x80",          // U+110000
      "\xF5\x80\x80\x80",          // lead byte beyond F4
      "\xFE",
      "\xFF",
      "\x80",  // lone continuation byte
      "a\xBF"
      "b",
  };
  for (const char* text : invalid) {
    INFO(text);
    CHECK_FALSE(caas::is_valid_utf8(text));
  }
}

TEST_CASE("utf8: truncated and interrupted sequences are invalid", "[utf8]") {
  const char* invalid[] = {
      "\xC2",  // end of input after a lead byte
      "\xE0\xA0",     "\xF0\x90\x80",
      "abc\xE2\x82",   // truncated at the end of otherwise valid text
      "\xE2\x28\xA1",  // ASCII where a continuation byte belongs
      "\xC3(",        "\xF0\x90\x28\xBC",
  };
  for (const char* text : invalid) {
    INFO(text);
    CHECK_FALSE(caas::is_valid_utf8(text));
  }
}

TEST_CASE("utf8: sequence length at a position, and code points of valid text", "[utf8]") {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9A\x97\xE2\x82";
  CHECK(caas::utf8_sequence_length(text, 0) == 1);
  CHECK(caas::utf8_sequence_length(text, 1) == 2);
  CHECK(caas::utf8_sequence_length(text, 2) == 0);  // inside a sequence
  CHECK(caas::utf8_sequence_length(text, 3) == 3);
  CHECK(caas::utf8_sequence_length(text, 6) == 4);
  CHECK(caas::utf8_sequence_length(text, 10) == 0);  // truncated at the end
  CHECK(caas::utf8_code_points("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9A\x97") == 4);
  CHECK(caas::utf8_code_points("") == 0);
}
