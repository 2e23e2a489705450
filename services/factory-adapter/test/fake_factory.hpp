#pragma once
// A scripted Factory Order API for component tests: a real HTTP server on
// loopback (caas::http) that answers POST /api/v1/orders from a queue of
// scripted responses and GET /api/v1/orders/{id}/status from a table.
//
// When the queue is empty (or a scripted entry is a 201 without a body) it
// behaves like the real Factory: it creates the order once per
// Idempotency-Key ("FAC-<key>") and returns that same order for a repeated
// key. A scripted delay keeps the response back (a client-side timeout)
// while the order has already been created — exactly the case the
// idempotency key exists for.

#include <caas/http/server.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace caas::factory::test {

struct Scripted {
  int status = 201;
  std::string body;  // empty + 201 = the default created body
  std::chrono::milliseconds delay{0};
};

struct SeenRequest {
  std::string method;
  std::string path;
  std::string idempotency_key;
  std::string authorization;
  std::string body;
};

class FakeFactory {
 public:
  FakeFactory();
  ~FakeFactory();

  std::string url() const;
  void push(Scripted response);
  /// While down every request is answered 503.
  void set_down(bool down);
  /// Body of GET /api/v1/orders/{id}/status (404 when unset).
  void set_status(const std::string& factory_order_id, std::string body);

  std::vector<SeenRequest> requests() const;
  std::size_t posts() const;
  std::size_t posts_with_key(const std::string& key) const;
  /// Distinct orders created (one per idempotency key).
  std::size_t orders_created() const;

  static constexpr const char* kCreatedAt = "2026-11-01T10:00:00Z";
  static std::string order_id_for(const std::string& idempotency_key) { return "FAC-" + idempotency_key; }

 private:
  void on_post(http::Request&& req, http::Responder respond);

  mutable std::mutex mutex_;
  std::vector<Scripted> script_;
  std::vector<SeenRequest> seen_;
  std::set<std::string> created_;
  std::map<std::string, std::string> statuses_;
  bool down_ = false;
  std::vector<std::thread> delayed_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace caas::factory::test
