#include "domain/state_machine.hpp"

#include "domain/json_util.hpp"

#include <caas/core/time.hpp>
#include <caas/events/time.hpp>

#include <algorithm>

namespace caas::order {

std::string_view to_string(RefusalKind k) noexcept {
  switch (k) {
    case RefusalKind::illegal_transition:
      return "illegal_transition";
    case RefusalKind::not_found:
      return "not_found";
    case RefusalKind::already_exists:
      return "already_exists";
    case RefusalKind::duplicate:
      return "duplicate";
    case RefusalKind::mismatch:
      return "mismatch";
  }
  return "illegal_transition";
}

std::string describe_cause(const Cause& c) {
  if (!c.actor.role.empty()) return c.actor.role + ":" + c.actor.subject;
  return c.event_type + ":" + c.event_id;
}

namespace {

std::string quoted(State s) {
  return std::string(to_string(s));
}

// The one place that knows how an input changes an order; each operator()
// handles one input type and either refuses or returns the new order.
class Decider {
 public:
  Decider(const std::optional<Order>& current, const Context& ctx) : current_(current), ctx_(ctx) {}

  // ---- commands --------------------------------------------------------
  Outcome operator()(const RegisterSale& in) {
    if (current_) {
      return Refused{RefusalKind::already_exists,
                     "order " + current_->id +
                         " already exists; a registered sale (and its vehicle specification) "
                         "cannot be registered again or changed",
                     current_->state};
    }
    Order o;
    o.id = ctx_.order_id;
    o.order_number = in.order_number;
    o.sale = in.sale;
    o.created_by = ctx_.cause.actor;
    o.created_at = ctx_.now;
    Applied a = start_from(o);
    entry(a.order, "sale_registered",
          "sale registered by dealership " + in.sale.dealership_id + " for customer " + in.sale.customer_id + " as " +
              in.order_number,
          "", std::string(to_string(State::pending_reservation)));
    json::Writer w;
    w.begin_object().field("order_id", o.id).field("order_number", o.order_number);
    write_sale_fields(w, o.sale);
    w.field("state", to_string(State::pending_reservation)).key("created_by");
    write_actor(w, o.created_by);
    w.field("created_at", o.created_at).end_object();
    a.events.push_back({"order.created", w.str()});
    return a;
  }

  Outcome operator()(const ConfirmReservationPayment& in) {
    if (auto r = require(State::pending_reservation, "confirm the reservation payment")) return *r;
    Applied a = start();
    a.order.reservation_payment = in.payment;
    json::Writer paid;
    paid.begin_object().field("order_id", a.order.id).field("order_number", a.order.order_number);
    paid.field("customer_id", a.order.sale.customer_id).field("payment_reference", in.payment.payment_reference);
    if (in.payment.amount) {
      paid.key("amount");
      write_money(paid, *in.payment.amount);
    }
    paid.field("paid_at", in.payment.paid_at).key("recorded_by");
    write_actor(paid, in.payment.recorded_by);
    paid.end_object();
    a.events.push_back({"order.reservation-paid", paid.str()});
    move(a, State::pending_factory_submission,
         "reservation deposit paid (reference " + in.payment.payment_reference +
             "); placing the order with the Factory");
    json::Writer place;
    place.begin_object().field("order_id", a.order.id).field("order_number", a.order.order_number);
    // Stable per order: every retry of the placement carries the same key.
    place.field("idempotency_key", a.order.id);
    write_sale_fields(place, a.order.sale, /*with_reservation_amount=*/false);
    place.end_object();
    a.events.push_back({"factory.place-order", place.str()});
    return a;
  }

  Outcome operator()(const ConfirmFinalPayment& in) {
    if (auto r = require(State::arrived_at_dealership, "confirm the final payment")) return *r;
    Applied a = start();
    a.order.final_payment = in.payment;
    a.order.payment_deadline.clear();
    move(a, State::ready_for_delivery,
         "final payment received (reference " + in.payment.payment_reference + "); delivery can be scheduled");
    return a;
  }

  Outcome operator()(const RegisterVehicle& in) {
    if (auto r = require(State::ready_for_delivery, "register the vehicle")) return *r;
    Applied a = start();
    a.order.vin = in.vin;
    a.order.registration_plate = in.registration_plate;
    a.order.registered_at = in.registered_at;
    move(a, State::registered, "vehicle registered: VIN " + in.vin + ", plate " + in.registration_plate);
    return a;
  }

  Outcome operator()(const Handover& in) {
    if (auto r = require(State::registered, "hand the vehicle over")) return *r;
    if (!in.vin.empty() && in.vin != current_->vin) {
      return Refused{RefusalKind::mismatch, "handover VIN " + in.vin + " is not the registered VIN " + current_->vin,
                     current_->state};
    }
    Applied a = start();
    a.order.delivered_at = in.delivered_at;
    move(a, State::delivered, "vehicle " + a.order.vin + " handed over to customer " + a.order.sale.customer_id);
    json::Writer w;
    w.begin_object().field("order_id", a.order.id).field("order_number", a.order.order_number);
    w.field("customer_id", a.order.sale.customer_id).field("vin", a.order.vin);
    w.field_if("registration_plate", a.order.registration_plate).field("dealership_id", a.order.sale.dealership_id);
    w.field("platform_base", a.order.sale.vehicle_specification.platform_base);
    w.field("delivered_at", in.delivered_at).key("handed_over_by");
    write_actor(w, ctx_.cause.actor);
    w.end_object();
    a.events.push_back({"order.delivered", w.str()});
    return a;
  }

  Outcome operator()(const Cancel& in) {
    if (auto r = require_existing()) return *r;
    if (!is_cancellable(current_->state)) {
      return Refused{RefusalKind::illegal_transition,
                     "an order can only be cancelled in PENDING_RESERVATION, PENDING_FACTORY_SUBMISSION or "
                     "FACTORY_SUBMISSION_FAILED; this one is " +
                         quoted(current_->state) +
                         (factory_rank(current_->state) ? " (already placed with the Factory)" : ""),
                     current_->state};
    }
    Applied a = start();
    const State previous = a.order.state;
    a.order.cancellation = Cancellation{in.reason, ctx_.cause.actor, ctx_.now};
    move(a, State::cancelled, "cancelled: " + in.reason);
    json::Writer w;
    w.begin_object().field("order_id", a.order.id).field("order_number", a.order.order_number);
    w.field("customer_id", a.order.sale.customer_id).field("previous_state", to_string(previous));
    w.field("reason", in.reason).key("cancelled_by");
    write_actor(w, ctx_.cause.actor);
    w.field("cancelled_at", ctx_.now).end_object();
    a.events.push_back({"order.cancelled", w.str()});
    return a;
  }

  Outcome operator()(const ExpirePaymentDeadline& in) {
    if (auto r = require(State::arrived_at_dealership, "expire the payment deadline")) return *r;
    if (in.payment_deadline != current_->payment_deadline) {
      return Refused{
          RefusalKind::mismatch,
          "payment deadline " + in.payment_deadline + " is not the order's deadline " + current_->payment_deadline,
          current_->state};
    }
    const auto now = events::parse_rfc3339(ctx_.now);
    const auto deadline = events::parse_rfc3339(in.payment_deadline);
    if (!now || !deadline || *now < *deadline) {
      return Refused{RefusalKind::illegal_transition, "the payment deadline " + in.payment_deadline + " has not passed",
                     current_->state};
    }
    Applied a = start();
    a.order.unassigned_at = ctx_.now;
    move(a, State::unassigned,
         "final payment not received by " + in.payment_deadline +
             ": the vehicle becomes stock for immediate sale (sin asignar) and the reservation is lost");
    json::Writer w;
    w.begin_object().field("order_id", a.order.id).field("order_number", a.order.order_number);
    w.field("customer_id", a.order.sale.customer_id).field_if("vin", a.order.vin);
    w.field_if("factory_order_id", a.order.factory.factory_order_id).field("payment_deadline", in.payment_deadline);
    w.field("reason", "final payment deadline passed").field("unassigned_at", ctx_.now).end_object();
    a.events.push_back({"order.unassigned", w.str()});
    a.order.payment_deadline.clear();
    return a;
  }

  // ---- factory events --------------------------------------------------
  Outcome operator()(const FactoryOrderPlaced& in) {
    if (auto r = require_existing()) return *r;
    const State s = current_->state;
    if (s != State::pending_factory_submission && s != State::factory_submission_failed) {
      if (current_->factory.factory_order_id == in.factory_order_id) {
        Applied a = start();
        entry(a.order, "factory_placement_repeated",
              "the Factory confirmed placement " + in.factory_order_id + " again (no change)", "", "");
        return a;
      }
      return Refused{RefusalKind::illegal_transition,
                     "factory order-placed " + in.factory_order_id + " cannot apply to an order in " + quoted(s) +
                         " (expected PENDING_FACTORY_SUBMISSION or FACTORY_SUBMISSION_FAILED)",
                     s};
    }
    Applied a = start();
    auto& f = a.order.factory;
    f.factory_order_id = in.factory_order_id;
    f.estimated_delivery_date = in.estimated_delivery_date;
    f.manufacturing_location = in.manufacturing_location;
    f.status = to_string(State::ordered);
    f.status_at = in.created_at;
    f.status_history.push_back(
        {in.status, "", in.created_at, "placement", true, "", in.manufacturing_location, ctx_.cause.event_id});
    move(a, State::ordered,
         "placed with the Factory as " + in.factory_order_id + " at " + in.manufacturing_location +
             ", estimated delivery " + in.estimated_delivery_date,
         in.manufacturing_location, "");
    return a;
  }

  Outcome operator()(const FactoryOrderRejected& in) {
    return submission_failed(FactoryFailure{"order-rejected", in.error_code,
                                            in.message + (in.field.empty() ? "" : " (field " + in.field + ")"), false,
                                            "", in.rejected_at});
  }

  Outcome operator()(const FactorySubmissionFailed& in) {
    return submission_failed(
        FactoryFailure{"submission-failed", in.error_class, in.last_error, in.critical, in.ticket_id, in.failed_at});
  }

  Outcome operator()(const FactoryStatusChanged& in) {
    if (auto r = require_existing()) return *r;
    const auto target = parse_state(in.status);
    const State s = current_->state;
    if (!target || !factory_rank(*target)) {
      return Refused{RefusalKind::illegal_transition, "unknown factory status " + in.status, s};
    }
    if (!current_->factory.factory_order_id.empty() && in.factory_order_id != current_->factory.factory_order_id) {
      return Refused{RefusalKind::mismatch,
                     "status for factory order " + in.factory_order_id + " but the order was placed as " +
                         current_->factory.factory_order_id,
                     s};
    }
    const FactoryStatusRecord record{in.status,  in.previous_status, in.timestamp, in.source,
                                     in.applied, in.notes,           in.location,  ctx_.cause.event_id};
    if (!in.applied) {  // late or reordered: history and timeline only, never a state change
      Applied a = start();
      a.order.factory.status_history.push_back(record);
      entry(a.order, "factory_status_recorded",
            "late factory status " + in.status + " of " + in.timestamp + " (" + in.source +
                ") recorded; not applied because a newer status is known",
            "", "", /*applied=*/false);
      return a;
    }
    const auto cur_rank = factory_rank(s);
    const bool same = *target == s || (!cur_rank && *target == State::arrived_at_dealership && past_arrival(s));
    if (same) {  // a newer confirmation of the status we are in (e.g. reconciliation)
      Applied a = start();
      a.order.factory.status_history.push_back(record);
      a.order.factory.status_at = in.timestamp;
      entry(a.order, "factory_status_confirmed",
            "factory confirmed status " + in.status + " (" + in.source + ", " + in.timestamp + ")", "", "");
      return a;
    }
    const bool forward = cur_rank && *factory_rank(*target) > *cur_rank;
    const bool rework = s == State::quality_check && *target == State::in_production;
    if (!forward && !rework) {
      return Refused{RefusalKind::illegal_transition,
                     "factory status " + in.status + " cannot apply to an order in " + quoted(s) +
                         (cur_rank ? " (it would move the order backwards; only QUALITY_CHECK -> IN_PRODUCTION "
                                     "rework is allowed)"
                                   : " (the order is not in manufacturing)"),
                     s};
    }
    Applied a = start();
    auto& f = a.order.factory;
    f.status_history.push_back(record);
    f.status = in.status;
    f.status_at = in.timestamp;
    if (!in.estimated_completion_date.empty()) f.estimated_delivery_date = in.estimated_completion_date;
    std::string reason = rework ? "quality check failed: back to production for rework"
                                : "factory reported " + in.status + " (" + in.source + ")";
    if (!in.notes.empty()) reason += ": " + in.notes;
    if (*target == State::arrived_at_dealership) {
      a.order.payment_deadline = deadline_from_now();
      reason += "; final payment due by " + a.order.payment_deadline;
    }
    move(a, *target, reason, in.location, in.notes);
    return a;
  }

  Outcome operator()(const FactoryDiscrepancyFound& in) {
    if (auto r = require_existing()) return *r;
    Applied a = start();
    entry(a.order, "factory_discrepancy",
          "reconciliation (" + in.detected_by + ") found the Factory at " + in.factory_status + " while we had " +
              in.caas_status + "; action: " + in.action + (in.details.empty() ? "" : " (" + in.details + ")"),
          "", "");
    return a;
  }

 private:
  static bool past_arrival(State s) {
    return s == State::ready_for_delivery || s == State::registered || s == State::delivered || s == State::unassigned;
  }

  std::optional<Refused> require_existing() const {
    if (current_) return std::nullopt;
    return Refused{RefusalKind::not_found, "no order " + ctx_.order_id, std::nullopt};
  }

  std::optional<Refused> require(State needed, const std::string& action) const {
    if (auto r = require_existing()) return r;
    if (current_->state == needed) return std::nullopt;
    return Refused{RefusalKind::illegal_transition,
                   "cannot " + action + ": the order is " + quoted(current_->state) + " and must be " + quoted(needed),
                   current_->state};
  }

  Outcome submission_failed(FactoryFailure failure) {
    if (auto r = require_existing()) return *r;
    const State s = current_->state;
    if (s != State::pending_factory_submission && s != State::factory_submission_failed) {
      return Refused{RefusalKind::illegal_transition,
                     "factory " + failure.kind + " cannot apply to an order in " + quoted(s) +
                         " (expected PENDING_FACTORY_SUBMISSION)",
                     s};
    }
    Applied a = start();
    const std::string what = "factory " + failure.kind + " (" + failure.error + "): " + failure.message +
                             (failure.ticket_id.empty() ? "" : "; support ticket " + failure.ticket_id) +
                             "; manual intervention needed, the reservation stays valid";
    a.order.factory.last_failure = std::move(failure);
    if (s == State::factory_submission_failed) {
      entry(a.order, "factory_submission_failed_again", what, "", "");
    } else {
      move(a, State::factory_submission_failed, what);
    }
    return a;
  }

  std::string deadline_from_now() const {
    auto now = events::parse_rfc3339(ctx_.now);
    if (!now) return ctx_.now;
    return format_rfc3339(*now + ctx_.policy.payment_deadline);
  }

  Applied start() const { return start_from(*current_); }

  Applied start_from(const Order& o) const {
    Applied a{o, {}, std::nullopt, std::nullopt};
    a.order.version += 1;
    a.order.updated_at = ctx_.now;
    a.order.applied_inputs.push_back(ctx_.cause.event_id);
    return a;
  }

  void entry(Order& o, std::string event, std::string description, std::string from, std::string to,
             bool applied = true) const {
    o.timeline.push_back(
        {ctx_.now, std::move(event), std::move(description), std::move(from), std::move(to), applied, ctx_.cause});
  }

  // Changes the state, writes the timeline entry and the order.status-changed event.
  void move(Applied& a, State next, const std::string& reason, const std::string& location = "",
            const std::string& notes = "") const {
    const State previous = a.order.state;
    a.order.state = next;
    a.from = previous;
    a.to = next;
    entry(a.order, "state_changed", reason, std::string(to_string(previous)), std::string(to_string(next)));
    json::Writer w;
    w.begin_object().field("order_id", a.order.id).field("order_number", a.order.order_number);
    w.field("previous_state", to_string(previous)).field("new_state", to_string(next));
    w.field("customer_id", a.order.sale.customer_id).field("customer_milestone", is_customer_milestone(previous, next));
    w.field("reason", reason.substr(0, 1024)).field("caused_by", describe_cause(ctx_.cause).substr(0, 256));
    w.field_if("factory_order_id", a.order.factory.factory_order_id);
    w.field_if("estimated_delivery_date", a.order.factory.estimated_delivery_date);
    w.field_if("location", location.substr(0, 256)).field_if("notes", notes.substr(0, 2048));
    // The payment reminder (seed 000) needs the deadline, not just the state.
    if (next == State::arrived_at_dealership) w.field_if("payment_deadline", a.order.payment_deadline);
    w.field("occurred_at", ctx_.now).end_object();
    a.events.push_back({"order.status-changed", w.str()});
  }

  const std::optional<Order>& current_;
  const Context& ctx_;
};

}  // namespace

Outcome decide(const std::optional<Order>& current, const Input& input, const Context& ctx) {
  if (current && std::find(current->applied_inputs.begin(), current->applied_inputs.end(), ctx.cause.event_id) !=
                     current->applied_inputs.end()) {
    return Refused{RefusalKind::duplicate, "input " + ctx.cause.event_id + " was applied already", current->state};
  }
  Decider d(current, ctx);
  return std::visit(d, input);
}

}  // namespace caas::order
