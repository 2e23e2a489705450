#include "domain/inputs.hpp"

#include "domain/json_util.hpp"

#include <caas/events/json.hpp>

#include <system_error>

namespace caas::order {

bool is_factory_input(const Input& in) noexcept {
  return std::holds_alternative<FactoryOrderPlaced>(in) || std::holds_alternative<FactoryOrderRejected>(in) ||
         std::holds_alternative<FactorySubmissionFailed>(in) || std::holds_alternative<FactoryStatusChanged>(in) ||
         std::holds_alternative<FactoryDiscrepancyFound>(in);
}

namespace {

Payment read_payment_command(const rapidjson::Value& v, const Actor& actor) {
  return Payment{json::str(v, "payment_reference"), read_money(json::member(v, "amount")), json::str(v, "paid_at"),
                 actor};
}

}  // namespace

Result<Input> parse_input(std::string_view type, std::string_view data_json, Actor& actor) {
  auto doc = events::parse_strict_json(data_json);
  if (!doc) return doc.error();
  const auto& v = doc.value();
  if (const auto* by = json::member(v, "requested_by")) actor = read_actor(*by);
  if (type == "order.register-sale") return Input{RegisterSale{read_sale(v), {}}};
  if (type == "order.confirm-reservation-payment")
    return Input{ConfirmReservationPayment{read_payment_command(v, actor)}};
  if (type == "order.confirm-final-payment") return Input{ConfirmFinalPayment{read_payment_command(v, actor)}};
  if (type == "order.register-vehicle") {
    return Input{
        RegisterVehicle{json::str(v, "vin"), json::str(v, "registration_plate"), json::str(v, "registered_at")}};
  }
  if (type == "order.handover") return Input{Handover{json::str(v, "vin"), json::str(v, "delivered_at")}};
  if (type == "order.cancel") return Input{Cancel{json::str(v, "reason")}};
  if (type == "order.expire-payment-deadline") return Input{ExpirePaymentDeadline{json::str(v, "payment_deadline")}};
  if (type == "factory.order-placed") {
    return Input{FactoryOrderPlaced{json::str(v, "factory_order_id"), json::str(v, "status"),
                                    json::str(v, "estimated_delivery_date"), json::str(v, "manufacturing_location"),
                                    json::str(v, "created_at")}};
  }
  if (type == "factory.order-rejected") {
    return Input{FactoryOrderRejected{json::int64(v, "http_status").value_or(400), json::str(v, "error_code"),
                                      json::str(v, "message"), json::str(v, "field"), json::str(v, "rejected_at")}};
  }
  if (type == "factory.submission-failed") {
    return Input{FactorySubmissionFailed{json::str(v, "error_class"), json::str(v, "last_error"),
                                         json::boolean(v, "critical"), json::str(v, "ticket_id"),
                                         json::str(v, "failed_at")}};
  }
  if (type == "factory.status-changed") {
    return Input{FactoryStatusChanged{json::str(v, "factory_order_id"), json::str(v, "status"),
                                      json::str(v, "previous_status"), json::str(v, "timestamp"),
                                      json::str(v, "source"), json::boolean(v, "applied", true), json::str(v, "notes"),
                                      json::str(v, "location"), json::str(v, "estimated_completion_date")}};
  }
  if (type == "factory.discrepancy-found") {
    return Input{FactoryDiscrepancyFound{json::str(v, "factory_order_id"), json::str(v, "caas_status"),
                                         json::str(v, "factory_status"), json::str(v, "detected_by"),
                                         json::str(v, "action"), json::str(v, "details"), json::str(v, "detected_at")}};
  }
  return Error{std::make_error_code(std::errc::not_supported),
               "the order service does not handle " + std::string(type)};
}

}  // namespace caas::order
