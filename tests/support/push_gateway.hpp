#pragma once
// caas-push-sim (tests/simulators/push-gateway) as a child process, with its
// control API: faults, delivered messages, counters. For the notification
// service's component and end-to-end tests.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace caas::testing {

struct PushedMessage {
  std::string message_id;
  std::string idempotency_key;
  std::string customer_id;
  std::string title;
  std::string body;
  std::string language;
  std::string type;  // data.type
};

class PushGateway {
 public:
  /// Starts `binary` on a free port with token `token`; waits until it listens.
  PushGateway(const std::string& binary, const std::string& token, const std::string& scratch_dir);
  ~PushGateway();
  PushGateway(const PushGateway&) = delete;
  PushGateway& operator=(const PushGateway&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// POST /control/faults with this JSON; throws on a non-200 answer.
  void set_faults(const std::string& json) const;
  /// Delivered messages in delivery order (optionally one customer's).
  std::vector<PushedMessage> messages(const std::string& customer_id = "") const;
  /// GET /control/stats, as JSON text.
  std::string stats() const;
  /// stats()["duplicates"].
  std::int64_t duplicates() const;

 private:
  std::unique_ptr<ChildProcess> child_;
  std::uint16_t port_ = 0;
};

}  // namespace caas::testing
