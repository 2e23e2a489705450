#pragma once
// The order aggregate's data (what the store keeps and GET shows) and its
// JSON form. The rules that change it live in state_machine.hpp.

#include "domain/state.hpp"

#include <caas/core/result.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace caas::events::json {
class Writer;
}

namespace caas::order {

namespace json = caas::events::json;

/// Who asked (API key or token principal), or the service itself.
struct Actor {
  std::string role;
  std::string subject;
  bool operator==(const Actor&) const = default;
};

struct Money {
  std::int64_t amount_cents = 0;
  std::string currency;
  bool operator==(const Money&) const = default;
};

struct VehicleSpecification {
  std::string platform_base;
  std::vector<std::string> initial_options;
  std::string color;
  std::string interior;
  bool operator==(const VehicleSpecification&) const = default;
};

struct Address {
  std::string street;
  std::string city;
  std::string postal_code;
  std::string country;
  bool operator==(const Address&) const = default;
};

struct PlanComercial {
  bool maintenance_included = false;
  std::int64_t warranty_years = 0;
  std::vector<std::string> opciones_permanentes;
  bool operator==(const PlanComercial&) const = default;
};

/// A validated sale (POST /api/v1/orders body = order.register-sale data).
struct Sale {
  std::string customer_id;
  std::string dealership_id;
  VehicleSpecification vehicle_specification;
  Address delivery_address;
  PlanComercial plan_comercial;
  std::optional<Money> reservation_amount;
  bool operator==(const Sale&) const = default;
};

struct Payment {
  std::string payment_reference;
  std::optional<Money> amount;
  std::string paid_at;
  Actor recorded_by;
  bool operator==(const Payment&) const = default;
};

/// One factory status observation, applied or only recorded.
struct FactoryStatusRecord {
  std::string status;
  std::string previous_status;
  std::string timestamp;
  std::string source;
  bool applied = true;
  std::string notes;
  std::string location;
  std::string event_id;
  bool operator==(const FactoryStatusRecord&) const = default;
};

struct FactoryFailure {
  std::string kind;   // "order-rejected" | "submission-failed"
  std::string error;  // error_code / error_class
  std::string message;
  bool critical = false;
  std::string ticket_id;
  std::string at;
  bool operator==(const FactoryFailure&) const = default;
};

struct FactoryData {
  std::string factory_order_id;
  std::string estimated_delivery_date;
  std::string manufacturing_location;
  std::string status;     // last applied factory status
  std::string status_at;  // its timestamp
  std::optional<FactoryFailure> last_failure;
  std::vector<FactoryStatusRecord> status_history;
  bool operator==(const FactoryData&) const = default;
};

/// What caused a timeline entry: a principal (API) or an input event.
struct Cause {
  std::string event_id;    // command or event id (the dedup key)
  std::string event_type;  // e.g. order.cancel, factory.status-changed
  Actor actor;             // set for commands
  std::string correlation_id;
  bool operator==(const Cause&) const = default;
};

struct TimelineEntry {
  std::string at;           // when it happened (RFC 3339)
  std::string event;        // short machine name, e.g. "state_changed"
  std::string description;  // human readable
  std::string from_state;   // empty when the state did not change
  std::string to_state;
  bool applied = true;  // false: recorded only (late factory status)
  Cause cause;
  bool operator==(const TimelineEntry&) const = default;
};

struct Cancellation {
  std::string reason;
  Actor cancelled_by;
  std::string cancelled_at;
  bool operator==(const Cancellation&) const = default;
};

struct Order {
  std::string id;
  std::string order_number;
  State state = State::pending_reservation;
  Sale sale;
  Actor created_by;
  std::string created_at;
  std::string updated_at;
  std::int64_t version = 0;  // +1 per applied input
  std::optional<Payment> reservation_payment;
  std::optional<Payment> final_payment;
  FactoryData factory;
  std::string payment_deadline;  // set while ARRIVED_AT_DEALERSHIP
  std::string vin;
  std::string registration_plate;
  std::string registered_at;
  std::string delivered_at;
  std::optional<Cancellation> cancellation;
  std::string unassigned_at;
  std::vector<TimelineEntry> timeline;
  /// Ids of the inputs already applied: the aggregate's own dedup, besides the
  /// processor's event-id dedup (bounded by the order's life, tens of entries).
  std::vector<std::string> applied_inputs;
  bool operator==(const Order&) const = default;
};

enum class JsonView { storage, api };

/// Storage form includes applied_inputs; the API form leaves it out.
std::string to_json(const Order& o, JsonView view);
Result<Order> order_from_json(std::string_view text);

// Pieces shared with the event builders.
void write_actor(json::Writer& w, const Actor& a);
void write_money(json::Writer& w, const Money& m);
void write_sale_fields(json::Writer& w, const Sale& s, bool with_reservation_amount = true);
Actor read_actor(const rapidjson::Value& v);
std::optional<Money> read_money(const rapidjson::Value* v);
Sale read_sale(const rapidjson::Value& v);

}  // namespace caas::order
