#include "domain/views.hpp"

#include "domain/json_out.hpp"

namespace caas::push_sim {

std::string accepted_body(const Message& message, bool duplicate) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_member(w, "message_id", message.id);
    write_member(w, "status", "accepted");
    write_string(w, "duplicate");
    w.Bool(duplicate);
    w.EndObject();
  });
}

std::string messages_json(const std::deque<Message>& messages, const std::optional<std::string>& customer_id) {
  return build_json([&](JsonWriter& w) {
    w.StartObject();
    write_string(w, "messages");
    w.StartArray();
    for (const auto& m : messages) {
      if (customer_id && m.request.customer_id != *customer_id) continue;
      w.StartObject();
      write_member(w, "message_id", m.id);
      write_member(w, "idempotency_key", m.idempotency_key);
      write_member(w, "customer_id", m.request.customer_id);
      write_member(w, "title", m.request.title);
      write_member(w, "body", m.request.body);
      write_member(w, "language", m.request.language);
      write_string(w, "data");
      w.StartObject();
      for (const auto& [key, value] : m.request.data) write_member(w, key, value);
      w.EndObject();
      write_time_member(w, "received_at", m.received_at);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace caas::push_sim
