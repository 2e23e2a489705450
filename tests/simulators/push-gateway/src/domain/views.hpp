#pragma once
// The JSON bodies of the gateway's answers and of the control read-outs.

#include <deque>
#include <optional>
#include <string>

#include "domain/message_book.hpp"

namespace caas::push_sim {

/// {"message_id":"psh-…","status":"accepted","duplicate":false|true}
std::string accepted_body(const Message& message, bool duplicate);

/// {"messages":[{"message_id","idempotency_key","customer_id","title","body",
/// "language","data":{…},"received_at"}…]} in delivery order, only those of
/// `customer_id` when given.
std::string messages_json(const std::deque<Message>& messages, const std::optional<std::string>& customer_id);

}  // namespace caas::push_sim
