#pragma once
// The Factory API's error body. Seed 000 shows it for 400
// ({"error_code","message","field"}); the simulator uses the same shape for
// every error of the Factory API so clients parse one format.

#include <string>

namespace caas::factory_sim {

struct ApiError {
  int status = 400;
  std::string error_code;  // INVALID_SPECIFICATION, INVALID_REQUEST, UNAUTHORIZED, ...
  std::string message;
  std::string field;  // omitted from the body when empty

  /// {"error_code":…,"message":…,"field":…}
  std::string to_json() const;
};

inline ApiError invalid_request(std::string field, std::string message) {
  return {400, "INVALID_REQUEST", std::move(message), std::move(field)};
}
inline ApiError invalid_specification(std::string field, std::string message) {
  return {400, "INVALID_SPECIFICATION", std::move(message), std::move(field)};
}

}  // namespace caas::factory_sim
