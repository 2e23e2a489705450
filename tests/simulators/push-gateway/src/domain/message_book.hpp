#pragma once
// What the gateway delivered: the messages in delivery order, the
// Idempotency-Key table (one key → one message, so the table is bounded by the
// messages), and the recipients marked unregistered. Pure: the time and the
// id salt are passed in; the caller serialises access.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "domain/json_out.hpp"
#include "domain/push_request.hpp"

namespace caas::push_sim {

struct Message {
  std::string id;  // psh-<16 hex>
  std::string idempotency_key;
  PushRequest request;
  TimePoint received_at;
};

struct MessageBookOptions {
  std::size_t max_messages = 1'000'000;      // beyond it: 507, nothing stored
  std::size_t max_unregistered = 1'000'000;  // recipients marked unregistered
};

class MessageBook {
 public:
  /// `id_salt` makes the ids of one process differ from another's; ids are a
  /// bijective mix of salt + a counter, so two messages never share one.
  MessageBook(MessageBookOptions options, std::uint64_t id_salt);

  enum class Outcome {
    accepted,             // new message, delivered (stored)
    duplicate,            // same key, same content: the first message, not delivered again
    key_reused,           // same key, other content: nothing stored
    recipient_not_found,  // recipient unregistered: nothing stored
    full,                 // max_messages reached: nothing stored
  };
  struct Submission {
    Outcome outcome;
    const Message* message = nullptr;  // accepted and duplicate; valid until clear()
  };

  /// Idempotency first (a retry of a delivered message is a duplicate even if
  /// the recipient was unregistered since), then the recipient, then the bound.
  Submission submit(const std::string& idempotency_key, PushRequest request, TimePoint now);

  /// Marks recipients unregistered. Returns false (nothing changed) when the
  /// bound would be exceeded.
  bool unregister(const std::vector<std::string>& customer_ids);
  bool is_unregistered(const std::string& customer_id) const { return unregistered_.contains(customer_id); }
  std::size_t unregistered_count() const { return unregistered_.size(); }

  /// Every message in delivery order.
  const std::deque<Message>& messages() const { return messages_; }
  std::size_t size() const { return messages_.size(); }
  /// Forgets messages, keys and unregistered recipients; ids keep counting so
  /// none is ever reused within the process.
  void clear();

 private:
  std::string next_id();

  MessageBookOptions options_;
  std::uint64_t salt_;
  std::uint64_t counter_ = 0;
  std::deque<Message> messages_;  // push_back keeps references stable
  std::unordered_map<std::string, std::size_t> by_key_;
  std::unordered_set<std::string> unregistered_;
};

/// SplitMix64's finaliser: a bijection on 64-bit values.
std::uint64_t mix64(std::uint64_t x);

}  // namespace caas::push_sim
