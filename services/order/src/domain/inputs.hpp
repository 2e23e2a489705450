#pragma once
// Everything the order aggregate reacts to: the commands of
// caas.order.commands.v1 and the Factory events (sequenced onto the same
// topic, see README "Ordering"), parsed from validated event data.

#include "domain/order.hpp"

#include <caas/core/result.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace caas::order {

struct RegisterSale {
  Sale sale;
  std::string order_number;  // assigned by the partition owner before apply
};
struct ConfirmReservationPayment {
  Payment payment;
};
struct ConfirmFinalPayment {
  Payment payment;
};
struct RegisterVehicle {
  std::string vin;
  std::string registration_plate;
  std::string registered_at;
};
struct Handover {
  std::string vin;  // optional check against the registered VIN
  std::string delivered_at;
};
struct Cancel {
  std::string reason;
};
struct ExpirePaymentDeadline {
  std::string payment_deadline;
};

struct FactoryOrderPlaced {
  std::string factory_order_id;
  std::string status;
  std::string estimated_delivery_date;
  std::string manufacturing_location;
  std::string created_at;
};
struct FactoryOrderRejected {
  std::int64_t http_status = 400;
  std::string error_code;
  std::string message;
  std::string field;
  std::string rejected_at;
};
struct FactorySubmissionFailed {
  std::string error_class;
  std::string last_error;
  bool critical = false;
  std::string ticket_id;
  std::string failed_at;
};
struct FactoryStatusChanged {
  std::string factory_order_id;
  std::string status;
  std::string previous_status;
  std::string timestamp;
  std::string source;
  bool applied = true;
  std::string notes;
  std::string location;
  std::string estimated_completion_date;
};
struct FactoryDiscrepancyFound {
  std::string factory_order_id;
  std::string caas_status;
  std::string factory_status;
  std::string detected_by;
  std::string action;
  std::string details;
  std::string detected_at;
};

using Input = std::variant<RegisterSale, ConfirmReservationPayment, ConfirmFinalPayment, RegisterVehicle, Handover,
                           Cancel, ExpirePaymentDeadline, FactoryOrderPlaced, FactoryOrderRejected,
                           FactorySubmissionFailed, FactoryStatusChanged, FactoryDiscrepancyFound>;

/// True for the Factory's events (their refusal is a dead letter, not a 409).
bool is_factory_input(const Input& in) noexcept;

/// Parses the data of a consumed record of type `type`. `actor` receives the
/// command's requested_by (empty for factory events).
Result<Input> parse_input(std::string_view type, std::string_view data_json, Actor& actor);

}  // namespace caas::order
