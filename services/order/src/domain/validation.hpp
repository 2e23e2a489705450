#pragma once
// Validation of API request bodies (400s that name the field) and of list
// query parameters. Pure: text in, typed value or the first problem out.

#include "domain/order.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace caas::order {

struct FieldError {
  std::string field;    // e.g. "vehicle_specification.color"
  std::string message;  // human readable, names the field
};

template <class T>
using Validated = std::variant<T, FieldError>;

Validated<Sale> validate_sale(std::string_view body);

/// Reservation and final payment: payment_reference, amount?, paid_at? (default `now`).
struct PaymentRequest {
  std::string payment_reference;
  std::optional<Money> amount;
  std::string paid_at;
};
Validated<PaymentRequest> validate_payment(std::string_view body, const std::string& now);

struct RegistrationRequest {
  std::string vin;
  std::string registration_plate;
  std::string registered_at;
};
Validated<RegistrationRequest> validate_registration(std::string_view body, const std::string& now);

struct HandoverRequest {
  std::string vin;  // optional
  std::string delivered_at;
};
Validated<HandoverRequest> validate_handover(std::string_view body, const std::string& now);

struct CancelRequest {
  std::string reason;
};
Validated<CancelRequest> validate_cancel(std::string_view body);

bool is_valid_vin(std::string_view vin) noexcept;
bool is_option_code(std::string_view code) noexcept;

}  // namespace caas::order
