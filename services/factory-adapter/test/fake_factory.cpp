#include "fake_factory.hpp"

namespace caas::factory::test {

namespace {
std::string created_body(const std::string& factory_order_id) {
  return R"({"order_id":")" + factory_order_id +
         R"(","status":"ORDERED","estimated_delivery_date":"2027-02-15","manufacturing_location":"Barcelona Factory","created_at":")" +
         FakeFactory::kCreatedAt + R"("})";
}
}  // namespace

FakeFactory::FakeFactory() {
  http::Router router;
  router.add("POST", "/api/v1/orders",
             [this](http::Request&& req, http::Responder respond) { on_post(std::move(req), std::move(respond)); });
  router.add_sync("GET", "/api/v1/orders/{id}/status", [this](const http::Request& req) {
    std::lock_guard lock(mutex_);
    seen_.push_back({req.method, req.path, "", std::string(req.header("Authorization").value_or("")), ""});
    if (down_) return http::Response::json(503, R"({"error":"unavailable"})");
    auto it = statuses_.find(std::string(req.param("id")));
    if (it == statuses_.end()) return http::Response::json(404, R"({"error":"Order not found"})");
    return http::Response::json(200, it->second);
  });
  http::ServerOptions options;
  options.address = "127.0.0.1";
  options.threads = 2;
  options.shutdown_grace = std::chrono::milliseconds(500);
  server_ = std::make_unique<http::Server>(options, std::move(router));
  server_->start();
}

FakeFactory::~FakeFactory() {
  for (auto& t : delayed_) {
    if (t.joinable()) t.join();
  }
  server_->stop(std::chrono::milliseconds(500));
}

std::string FakeFactory::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}

void FakeFactory::push(Scripted response) {
  std::lock_guard lock(mutex_);
  script_.push_back(std::move(response));
}

void FakeFactory::set_down(bool down) {
  std::lock_guard lock(mutex_);
  down_ = down;
}

void FakeFactory::set_status(const std::string& factory_order_id, std::string body) {
  std::lock_guard lock(mutex_);
  statuses_[factory_order_id] = std::move(body);
}

std::vector<SeenRequest> FakeFactory::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

std::size_t FakeFactory::posts() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& r : seen_) n += r.method == "POST" ? 1 : 0;
  return n;
}

std::size_t FakeFactory::posts_with_key(const std::string& key) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& r : seen_) n += r.method == "POST" && r.idempotency_key == key ? 1 : 0;
  return n;
}

std::size_t FakeFactory::orders_created() const {
  std::lock_guard lock(mutex_);
  return created_.size();
}

void FakeFactory::on_post(http::Request&& req, http::Responder respond) {
  const std::string key(req.header("Idempotency-Key").value_or(""));
  Scripted answer;
  {
    std::lock_guard lock(mutex_);
    seen_.push_back({req.method, req.path, key, std::string(req.header("Authorization").value_or("")), req.body});
    if (down_) {
      answer = {503, R"({"error":"Service Unavailable"})", {}};
    } else if (!script_.empty()) {
      answer = script_.front();
      script_.erase(script_.begin());
    }
    if (answer.status == 201) {
      created_.insert(key);  // the Factory acts on the request even if its answer is late
      if (answer.body.empty()) answer.body = created_body(order_id_for(key));
    }
  }
  if (answer.delay.count() == 0) return respond(http::Response::json(answer.status, answer.body));
  std::lock_guard lock(mutex_);
  delayed_.emplace_back([answer, r = std::move(respond)]() mutable {
    std::this_thread::sleep_for(answer.delay);  // simulated Factory latency
    r(http::Response::json(answer.status, answer.body));
  });
}

}  // namespace caas::factory::test
