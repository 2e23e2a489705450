#include "caas/security/webhook_signature.hpp"

#include <charconv>

#include "caas/security/crypto.hpp"
#include "caas/security/errors.hpp"

namespace caas::security {
namespace {
Error err(SecurityErrc c, std::string msg) {
  return Error{make_error_code(c), std::move(msg)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string sign_factory(std::string_view body, std::string_view secret) {
  return hex_encode(to_bytes(hmac_sha256(secret, body)));
}

Result<SecretMatch> verify_factory_signature(std::string_view body, std::string_view header, const SecretSet& secrets) {
  header = trim(header);
  if (header.empty()) return err(SecurityErrc::missing_header, "X-Factory-Signature header missing");
  if (header.size() > 7 && (header.substr(0, 7) == "sha256=" || header.substr(0, 7) == "SHA256="))
    header.remove_prefix(7);
  if (header.size() != 64) return err(SecurityErrc::malformed, "X-Factory-Signature is not 64 hex digits");
  auto presented = hex_decode(header);
  if (!presented) return err(SecurityErrc::malformed, "X-Factory-Signature is not hex");
  // Compare against every secret, no early exit: timing reveals nothing about
  // which (or whether a) secret matched.
  std::size_t matched = secrets.size();
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    if (constant_time_equal(to_bytes(secrets.hmac_key(i).mac(body)), *presented) && matched == secrets.size())
      matched = i;
  }
  if (matched == secrets.size()) return err(SecurityErrc::bad_signature, "Invalid signature");
  return secrets.match(matched);
}

std::string sign_standard_webhook(std::string_view id, std::int64_t timestamp_seconds, std::string_view body,
                                  std::string_view secret) {
  std::string content;
  const std::string ts = std::to_string(timestamp_seconds);
  content.reserve(id.size() + ts.size() + body.size() + 2);
  content.append(id).append(".").append(ts).append(".").append(body);
  return "v1," + base64_encode(to_bytes(hmac_sha256(secret, content)));
}

Result<SecretMatch> verify_standard_webhook(std::string_view id, std::string_view timestamp, std::string_view body,
                                            std::string_view signature_header, const SecretSet& secrets,
                                            std::chrono::system_clock::time_point now, std::chrono::seconds tolerance) {
  id = trim(id);
  timestamp = trim(timestamp);
  signature_header = trim(signature_header);
  if (id.empty()) return err(SecurityErrc::missing_header, "webhook-id header missing");
  if (timestamp.empty()) return err(SecurityErrc::missing_header, "webhook-timestamp header missing");
  if (signature_header.empty()) return err(SecurityErrc::missing_header, "webhook-signature header missing");

  std::int64_t ts = 0;
  auto [ptr, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc{} || ptr != timestamp.data() + timestamp.size() || timestamp.front() == '-' ||
      timestamp.size() > 12)
    return err(SecurityErrc::malformed, "webhook-timestamp is not unix seconds");
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::int64_t skew = now_s > ts ? now_s - ts : ts - now_s;
  if (skew > tolerance.count())
    return err(SecurityErrc::timestamp_out_of_tolerance, "webhook-timestamp " +
                                                             std::string(now_s > ts ? "too old" : "in the future") +
                                                             " by " + std::to_string(skew) + " s");

  std::vector<std::string> presented;
  std::string_view rest = signature_header;
  while (!rest.empty()) {
    const auto sp = rest.find(' ');
    std::string_view entry = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    if (entry.empty()) continue;
    const auto comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;  // other schemes ignored
    auto sig = base64_decode(entry.substr(comma + 1));
    if (sig && sig->size() == 32) presented.push_back(std::move(sig).value());
  }
  if (presented.empty()) return err(SecurityErrc::malformed, "webhook-signature has no valid v1 entry");
  if (presented.size() > 16) return err(SecurityErrc::malformed, "webhook-signature has too many entries");

  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  std::size_t matched = secrets.size();
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    const std::string expected = to_bytes(secrets.hmac_key(i).mac(content));
    for (const auto& sig : presented)
      if (constant_time_equal(expected, sig) && matched == secrets.size()) matched = i;
  }
  if (matched == secrets.size()) return err(SecurityErrc::bad_signature, "no webhook-signature entry matches");
  return secrets.match(matched);
}

}  // namespace caas::security
