// HS256 against tokens an independent implementation made: PyJWT (Debian's
// python3-jwt) mints them through test/mint_jwt.py, and decodes ours. Tests
// that only verify our own issue_token() cannot catch a mistake made the same
// way on both sides (base64url alphabet, what the MAC covers, NumericDate).
//
// Skipped (exit status 77, as the clang-format contract test does) when the
// jwt module is missing; Catch2 v2 has no SKIP.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "caas/security/errors.hpp"
#include "caas/security/identity.hpp"

using namespace caas::security;
using namespace std::chrono_literals;

namespace {
const std::string kSecret = "pyjwt-interop-secret-0123456789";
constexpr long kNowSeconds = 1700000000;
const auto kNow = std::chrono::system_clock::time_point{std::chrono::seconds{kNowSeconds}};

struct Run {
  int status = -1;  // exit status of the script
  std::string out;  // its standard output
};

struct PipeClose {
  void operator()(FILE* f) const noexcept { pclose(f); }
};

// Runs mint_jwt.py with `args` (constants and base64url text: no quoting
// needed beyond the single quotes) under Debian's interpreter, which is the
// one python3-jwt installs the module for.
Run mint_jwt(const std::string& args) {
  const std::string command = std::string(CAAS_DEBIAN_PYTHON3) + " " + CAAS_MINT_JWT_SCRIPT + " " + args;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Run run;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  if (run.status == 77) {
    std::cerr << "SKIP: python3-jwt is not installed (scripts/setup-deps installs it)\n";
    std::exit(77);
  }
  return run;
}

std::map<std::string, std::string> minted_tokens() {
  const Run run = mint_jwt("mint '" + kSecret + "' " + std::to_string(kNowSeconds));
  REQUIRE(run.status == 0);
  std::map<std::string, std::string> tokens;
  std::istringstream lines(run.out);
  for (std::string name, token; lines >> name >> token;) tokens[name] = token;
  REQUIRE(tokens.size() == 8);
  return tokens;
}

std::error_code refusal(const std::string& token) {
  auto verdict = verify_token(token, kSecret, kNow);
  REQUIRE_FALSE(verdict.ok());
  return verdict.error().code;
}
}  // namespace

TEST_CASE("tokens PyJWT signed with HS256 verify, claims and all", "[token][pyjwt]") {
  const auto tokens = minted_tokens();
  auto customer = verify_token(tokens.at("valid"), kSecret, kNow);
  REQUIRE(customer.ok());
  CHECK(customer->subject == "CAAS-CUST-123456");
  CHECK(customer->role == Role::customer);
  CHECK(verify_token(tokens.at("valid"), kSecret, kNow + 1h - 1s).ok());

  // A kid header, a jti claim and an nbf in the past change nothing.
  auto admin = verify_token(tokens.at("valid_admin"), kSecret, kNow);
  REQUIRE(admin.ok());
  CHECK(admin->subject == "ops-1");
  CHECK(admin->role == Role::admin);
}

TEST_CASE("PyJWT tokens that are expired, early, wrongly keyed or unsigned are refused", "[token][pyjwt]") {
  const auto tokens = minted_tokens();
  CHECK(refusal(tokens.at("expired")) == SecurityErrc::token_expired);
  CHECK(refusal(tokens.at("not_yet_valid")) == SecurityErrc::token_expired);
  CHECK(refusal(tokens.at("wrong_key")) == SecurityErrc::bad_signature);
  CHECK(refusal(tokens.at("alg_none")) == SecurityErrc::unsupported_algorithm);
  CHECK(refusal(tokens.at("hs512")) == SecurityErrc::unsupported_algorithm);
  CHECK(refusal(tokens.at("no_sub")) == SecurityErrc::missing_claim);
  // The valid token verifies only with its key, and only before exp.
  CHECK(verify_token(tokens.at("valid"), kSecret + "x", kNow).error().code == SecurityErrc::bad_signature);
  CHECK(verify_token(tokens.at("valid"), kSecret, kNow + 1h).error().code == SecurityErrc::token_expired);
}

TEST_CASE("PyJWT accepts the tokens issue_token makes, and only with the right key", "[token][pyjwt]") {
  // PyJWT checks exp against the real clock.
  const auto now = std::chrono::system_clock::now();
  const auto exp = std::chrono::time_point_cast<std::chrono::seconds>(now + 1h);
  const std::string token = issue_token({"CAAS-CUST-777", Role::admin, exp, now}, kSecret);
  const Run accepted = mint_jwt("decode '" + kSecret + "' '" + token + "'");
  REQUIRE(accepted.status == 0);
  CHECK(accepted.out.find(R"("sub": "CAAS-CUST-777")") != std::string::npos);
  CHECK(accepted.out.find(R"("role": "admin")") != std::string::npos);
  CHECK(accepted.out.find("\"exp\": " + std::to_string(exp.time_since_epoch().count())) != std::string::npos);

  const Run refused = mint_jwt("decode 'another-secret' '" + token + "'");
  CHECK(refused.status == 1);
}
