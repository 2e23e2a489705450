// Fuzz target: webhook signature checks (caas::security).
//
// The input is split into secrets, header values, a clock and a body. Both
// schemes are exercised with arbitrary headers (which must be rejected unless
// they really carry the HMAC of one of the secrets) and with correctly signed
// messages (which must be accepted, tampered copies rejected). Secret files
// are parsed from fuzzed text as well (SecretSet::parse).

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "caas/security/crypto.hpp"
#include "caas/security/secrets.hpp"
#include "caas/security/webhook_signature.hpp"

namespace sec = caas::security;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

[[noreturn]] void property_failed(const char* what) {
  std::fprintf(stderr, "property failed: %s\n", what);
  std::abort();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The lowest index of a secret whose factory signature is `hex`.
std::size_t first_factory_match(const sec::SecretSet& set, std::string_view body, std::string_view hex) {
  for (std::size_t i = 0; i < set.size(); ++i)
    if (sec::sign_factory(body, set.secret(i)) == hex) return i;
  return set.size();
}

void check_factory(FuzzedDataProvider& in, const sec::SecretSet& set, const std::string& body) {
  // Arbitrary header: accepted only if it is the HMAC of the matched secret.
  const std::string header = in.ConsumeRandomLengthString(160);
  if (auto r = sec::verify_factory_signature(body, header, set)) {
    std::string_view h = trim(header);
    if (h.size() > 7 && (h.substr(0, 7) == "sha256=" || h.substr(0, 7) == "SHA256=")) h.remove_prefix(7);
    const auto hex = lower(h);
    if (r->index >= set.size() || sec::sign_factory(body, set.secret(r->index)) != hex)
      property_failed("factory: accepted a header that is not the body's HMAC");
    if (first_factory_match(set, body, hex) != r->index)
      property_failed("factory: matched secret is not the first one that fits");
  }

  // Correctly signed with secret k: accepted (any hex case, optional prefix).
  const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, set.size() - 1);
  std::string sig = sec::sign_factory(body, set.secret(k));
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 1:
      std::transform(sig.begin(), sig.end(), sig.begin(), [](char c) { return c >= 'a' && c <= 'f' ? c - 32 : c; });
      break;
    case 2:
      sig = "sha256=" + sig;
      break;
    default:
      break;
  }
  auto good = sec::verify_factory_signature(body, sig, set);
  if (!good) property_failed("factory: correctly signed body refused");
  if (good->index > k) property_failed("factory: reported secret after the signing one");

  // Tampered body (one byte changed, or one appended): refused.
  std::string tampered = body;
  if (tampered.empty() || in.ConsumeBool()) {
    tampered.push_back(static_cast<char>(in.ConsumeIntegral<std::uint8_t>()));
  } else {
    const auto at = in.ConsumeIntegralInRange<std::size_t>(0, tampered.size() - 1);
    tampered[at] = static_cast<char>(tampered[at] ^ (1 + in.ConsumeIntegralInRange(0, 254)));
  }
  if (sec::verify_factory_signature(tampered, sig, set)) property_failed("factory: tampered body accepted");
}

void check_standard(FuzzedDataProvider& in, const sec::SecretSet& set, const std::string& body) {
  const std::string id = in.ConsumeRandomLengthString(80);
  const std::string ts = in.ConsumeRandomLengthString(24);
  const std::string header = in.ConsumeRandomLengthString(700);
  const std::int64_t now_s = in.ConsumeIntegralInRange<std::int64_t>(0, 4'102'444'800);  // to 2100
  const auto now = system_clock::time_point{seconds{now_s}};

  // Arbitrary headers: accepted only with a v1 entry that is the HMAC of
  // "id.timestamp.body" under the matched secret, within ±5 min.
  if (auto r = sec::verify_standard_webhook(id, ts, body, header, set, now)) {
    const auto tid = trim(id);
    const auto tts = trim(ts);
    const std::int64_t t = std::stoll(std::string(tts));
    if (t < now_s - 300 || t > now_s + 300) property_failed("standard: timestamp out of tolerance accepted");
    std::string content;
    content.append(tid).append(".").append(tts).append(".").append(body);
    const std::string expected =
        "v1," + sec::base64_encode(sec::to_bytes(sec::hmac_sha256(set.secret(r->index), content)));
    bool found = false;
    std::string_view rest = trim(header);
    while (!rest.empty() && !found) {
      const auto sp = rest.find(' ');
      found = rest.substr(0, sp) == expected;
      rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    if (!found) property_failed("standard: accepted without a matching v1 entry");
  }

  // Correctly signed (among other entries), within tolerance: accepted.
  std::string good_id = std::string(trim(id));
  if (good_id.empty() || good_id.find(' ') != std::string::npos) good_id = "msg_fuzz";
  const std::int64_t skew = in.ConsumeIntegralInRange<std::int64_t>(-300, 300);
  const std::int64_t t = std::max<std::int64_t>(0, now_s + skew);
  const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, set.size() - 1);
  const std::string sig = sec::sign_standard_webhook(good_id, t, body, set.secret(k));
  const std::string headers = "v2,abc v1,Zm9v " + sig + " v1a,x";
  const auto ts_text = std::to_string(t);
  auto good = sec::verify_standard_webhook(good_id, ts_text, body, headers, set, now);
  if (!good) property_failed("standard: correctly signed message refused");
  if (good->index > k) property_failed("standard: reported secret after the signing one");

  // Same signature, one second outside the tolerance: refused.
  const auto late = system_clock::time_point{seconds{t + 301}};
  if (sec::verify_standard_webhook(good_id, ts_text, body, headers, set, late))
    property_failed("standard: stale timestamp accepted");
  // Tampered body: refused.
  if (sec::verify_standard_webhook(good_id, ts_text, body + "x", headers, set, now))
    property_failed("standard: tampered body accepted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);

  // A secrets file from fuzzed text (whsec_ lines are base64).
  const std::string file_text = in.ConsumeRandomLengthString(200);
  try {
    auto parsed = sec::SecretSet::parse(file_text, "fuzz");
    if (parsed.size() == 0) property_failed("parse: empty secret set");
    (void)parsed.redacted();
  } catch (const std::runtime_error&) {
    // empty or invalid file: refused by design
  } catch (const std::invalid_argument&) {
  }

  std::vector<std::string> secrets;
  const int n = in.ConsumeIntegralInRange(1, 3);
  for (int i = 0; i < n; ++i) {
    std::string s = in.ConsumeRandomLengthString(48);
    if (s.empty()) s = "k" + std::to_string(i);
    secrets.push_back(std::move(s));
  }
  const auto set = sec::SecretSet::from_bytes(std::move(secrets));
  const bool factory_first = in.ConsumeBool();
  const std::string body = in.ConsumeRandomLengthString(2048);
  if (factory_first) {
    check_factory(in, set, body);
    check_standard(in, set, body);
  } else {
    check_standard(in, set, body);
    check_factory(in, set, body);
  }
  return 0;
}
