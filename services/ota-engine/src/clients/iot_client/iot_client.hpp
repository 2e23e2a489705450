#pragma once
// The API IoT (DESIGN.md §2): POST /api/v1/vehicles/{vin}/configuration and
// GET /api/v1/vehicles/{vin}/status, each bounded by a timeout. Answers are
// classified for the state machine (PostResult outcomes) and for
// availability (ota_iot_requests_total: failure = timeout, connection error, 5xx).

#include "domain/activation.hpp"

#include <caas/http/client.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace caas::ota {

struct IotClientSettings {
  std::string base_url;                     // CAAS_IOT_API_URL
  std::string token;                        // first line of CAAS_IOT_API_TOKEN_FILE
  std::chrono::milliseconds timeout{5000};  // CAAS_OTA_IOT_TIMEOUT
};

struct StatusAnswer {
  StatusSnapshot snapshot;  // ok=false when unavailable
  int http_status = 0;
  std::string platform;
};

class IotClient {
 public:
  IotClient(IotClientSettings settings, std::function<void(bool success)> on_request);
  PostResult post_configuration(const std::string& vin, const std::string& command_id, const Params& params);
  StatusAnswer status(const std::string& vin);

 private:
  IotClientSettings settings_;
  std::function<void(bool)> on_request_;
  http::HttpClient client_;
};

}  // namespace caas::ota
