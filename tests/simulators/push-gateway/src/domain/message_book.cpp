#include "domain/message_book.hpp"

#include <cstdio>

namespace caas::push_sim {

std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

MessageBook::MessageBook(MessageBookOptions options, std::uint64_t id_salt) : options_(options), salt_(id_salt) {}

std::string MessageBook::next_id() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "psh-%016llx", static_cast<unsigned long long>(mix64(salt_ + counter_++)));
  return buf;
}

MessageBook::Submission MessageBook::submit(const std::string& idempotency_key, PushRequest request, TimePoint now) {
  if (auto it = by_key_.find(idempotency_key); it != by_key_.end()) {
    const Message& first = messages_[it->second];
    if (first.request == request) return {Outcome::duplicate, &first};
    return {Outcome::key_reused, nullptr};
  }
  if (is_unregistered(request.customer_id)) return {Outcome::recipient_not_found, nullptr};
  if (messages_.size() >= options_.max_messages) return {Outcome::full, nullptr};
  messages_.push_back(Message{next_id(), idempotency_key, std::move(request), now});
  by_key_.emplace(idempotency_key, messages_.size() - 1);
  return {Outcome::accepted, &messages_.back()};
}

bool MessageBook::unregister(const std::vector<std::string>& customer_ids) {
  std::size_t fresh = 0;
  for (const auto& id : customer_ids) fresh += unregistered_.contains(id) ? 0 : 1;
  if (unregistered_.size() + fresh > options_.max_unregistered) return false;
  unregistered_.insert(customer_ids.begin(), customer_ids.end());
  return true;
}

void MessageBook::clear() {
  messages_.clear();
  by_key_.clear();
  unregistered_.clear();
}

}  // namespace caas::push_sim
