#pragma once
// Inbound webhook signature verification (and signing, for simulators/tests).
//
// Factory (seed 000): `X-Factory-Signature` = hex HMAC-SHA256 of the raw body.
//   Hex is accepted in either case; an optional `sha256=` prefix is tolerated
//   (the seed does not show one; GitHub-style senders add it).
// Standard Webhooks (API IoT): headers webhook-id, webhook-timestamp (unix
//   seconds), webhook-signature = space-separated `v1,<base64>` entries over
//   "{id}.{timestamp}.{body}". Entries with other versions are ignored.
//   Timestamps more than `tolerance` away from now in either direction are
//   refused (exactly `tolerance` away is accepted).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "caas/core/result.hpp"
#include "caas/security/secrets.hpp"

namespace caas::security {

/// Errors: missing_header (empty header), malformed (not 64 hex digits),
/// bad_signature. On success says which secret matched.
Result<SecretMatch> verify_factory_signature(std::string_view body, std::string_view header, const SecretSet& secrets);

/// Lowercase hex HMAC-SHA256(secret, body) — the X-Factory-Signature value.
std::string sign_factory(std::string_view body, std::string_view secret);

/// Errors: missing_header (any of the three empty), malformed (timestamp not
/// an integer, no parseable v1 entry), timestamp_out_of_tolerance,
/// bad_signature.
Result<SecretMatch> verify_standard_webhook(std::string_view id, std::string_view timestamp, std::string_view body,
                                            std::string_view signature_header, const SecretSet& secrets,
                                            std::chrono::system_clock::time_point now,
                                            std::chrono::seconds tolerance = std::chrono::minutes{5});

/// "v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>"; `secret` is raw bytes.
std::string sign_standard_webhook(std::string_view id, std::int64_t timestamp_seconds, std::string_view body,
                                  std::string_view secret);

}  // namespace caas::security
