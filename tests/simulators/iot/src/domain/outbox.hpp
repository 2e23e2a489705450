#pragma once
// The webhooks the API IoT pushes, and how it retries them like a Standard
// Webhooks sender: the body and the webhook-id never change between
// attempts (only webhook-timestamp and the signature over it do), so the
// receiver dedups a retry by its id. Pure: time is passed in.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caas::iot_sim {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class Stream { telemetry, command_status };
std::string_view to_string(Stream s);

/// "msg_" + 32 hex digits of SHA-256(body): stable across retries, and the
/// same for a resend of identical content, which is exactly what the
/// receiver's dedup by webhook-id should treat as one message.
std::string webhook_id_for(std::string_view body);

struct Webhook {
  Stream stream = Stream::telemetry;
  std::string key;  // ordering key: one webhook of a key in flight at a time
  std::string webhook_id;
  std::string body;
  int attempts = 0;
  SteadyTime ready_at{};
  std::vector<std::pair<std::string, std::uint64_t>> readings;  // telemetry: (vin, seq) carried
  std::uint64_t command_seq = 0;                                // command status: which command
  std::size_t ack_index = 0;                                    // ... and which of its acks
};

struct RetryPolicy {
  int max_attempts = 6;
  std::chrono::milliseconds base{100};              // delays base, 2·base, 4·base, …
  std::chrono::milliseconds max_delay{30000};       // no single wait longer than this
  std::chrono::milliseconds retry_after_cap{2000};  // Retry-After honoured up to this
};

enum class Verdict { delivered, retry, give_up };

struct AttemptVerdict {
  Verdict verdict = Verdict::give_up;
  std::chrono::milliseconds delay{0};
  std::string reason;
};

/// 2xx delivered. Retried: no answer (timeout, connection refused or reset),
/// 408, 409 (the ingress: the same webhook-id is in flight), 429 and 5xx,
/// after base·2^(n-1) or the Retry-After if longer (capped). Any other status
/// (400 invalid payload, 401 bad signature, 413, …) is given up at once: a
/// resend of the same bytes cannot succeed.
AttemptVerdict judge(std::optional<int> http_status, std::optional<std::chrono::milliseconds> retry_after,
                     int attempts_made, const RetryPolicy& policy);

/// A bounded FIFO per key; one webhook per key is in flight at a time and a
/// retried one goes back to the head of its key, so a vehicle's command
/// statuses (ACCEPTED before APPLIED) and the telemetry batches arrive in
/// order, retries included, while other keys proceed.
class WebhookQueue {
 public:
  explicit WebhookQueue(std::size_t capacity) : capacity_(capacity) {}

  /// False (nothing queued) when `capacity` webhooks are waiting already.
  bool push(Webhook w);
  /// The earliest ready head of a key with nothing in flight; that key is then
  /// in flight until complete() or retry().
  std::optional<Webhook> take(SteadyTime now);
  void complete(const std::string& key);
  void retry(Webhook w, SteadyTime ready_at);
  /// When the next waiting webhook becomes ready (nullopt: none waiting).
  std::optional<SteadyTime> next_ready() const;

  std::size_t waiting() const { return waiting_; }
  /// Waiting webhooks per stream.
  void count_waiting(std::size_t& telemetry, std::size_t& command_status) const;
  bool busy(const std::string& key) const { return busy_.count(key) > 0; }
  std::size_t in_flight() const { return busy_.size(); }
  void clear();

 private:
  std::size_t capacity_;
  std::size_t waiting_ = 0;
  std::map<std::string, std::deque<Webhook>> lanes_;
  std::set<std::string> busy_;
};

}  // namespace caas::iot_sim
