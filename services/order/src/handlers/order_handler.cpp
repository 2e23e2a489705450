#include "handlers/order_handler.hpp"

#include "domain/ids.hpp"
#include "domain/order_number.hpp"
#include "store/order_store.hpp"

#include <caas/events/envelope.hpp>
#include <caas/events/time.hpp>

namespace caas::order {

namespace obs = caas::observability;
using service::HandlerOutcome;

OrderProbe::OrderProbe(obs::Metrics& m)
    : created(m.counter("orders_created_total", "Sales registered (orders created)")),
      transitions(m.counter_family("order_state_transitions_total", "Order state transitions, by from/to state")),
      illegal(m.counter_family("order_illegal_transitions_total",
                               "Inputs refused by the state machine, by source (api, factory, deadline)")),
      deadline_expiries(m.counter("order_payment_deadline_expiries_total",
                                  "Orders moved to UNASSIGNED because the final payment deadline passed")),
      by_state(m.gauge_family("orders_by_state", "Orders per state (from the read model; any replica has all)")),
      sequenced(m.counter("order_factory_events_sequenced_total",
                          "Factory events copied onto caas.order.commands.v1 for ordered application")) {}

OrderHandler::OrderHandler(HandlerRole role, store::StateStore& store, const events::SchemaRegistry& schemas,
                           Policy policy, obs::Logger log, OrderProbe* probe)
    : role_(role),
      store_(store),
      // The clock is unused: every event carries the instant of its cause (ctx.now).
      emitter_(schemas, events::system_now, kEventSource),
      policy_(policy),
      log_(std::move(log)),
      probe_(probe) {}

HandlerOutcome OrderHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  if (e.record.topic() == kFactoryEventsTopic) {
    if (role_ == HandlerRole::owner) return sequence_factory_event(e, txn);
    return HandlerOutcome::applied();  // the replica only follows the command log
  }
  return apply(e, txn);
}

HandlerOutcome OrderHandler::sequence_factory_event(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  const auto& in = e.envelope;
  const std::string key = e.record.key().empty() ? in.subject : std::string(e.record.key());
  if (key.empty()) return HandlerOutcome::permanent("factory event without an order id key");
  events::Envelope copy = in;
  // Derived id: re-sequencing the same factory event (replay) yields the same
  // id, which the command-log consumer then skips as a duplicate.
  copy.id = derive_event_id(in.id, "sequenced");
  copy.causationid = in.id;
  kafka::Record r{kCommandTopic, key, events::serialize(copy), {}, std::nullopt};
  for (auto& [k, v] : events::kafka_headers(copy)) r.headers.push_back({k, v});
  txn.enqueue(std::move(r));
  if (probe_) probe_->sequenced.Increment();
  return HandlerOutcome::applied();
}

HandlerOutcome OrderHandler::apply(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  const auto& env = e.envelope;
  const std::string order_id = e.record.key().empty() ? env.subject : std::string(e.record.key());
  Actor actor;
  auto input = parse_input(env.type, env.data, actor);
  if (!input) return HandlerOutcome::permanent(input.error().message);
  if (order_id.empty()) return HandlerOutcome::permanent(env.type + " without an order id");
  const bool from_factory = is_factory_input(*input);

  Context ctx;
  ctx.order_id = order_id;
  // A sequenced factory event is known by the Factory-side id (its causation).
  ctx.cause =
      Cause{from_factory && !env.causationid.empty() ? env.causationid : env.id, env.type, actor, env.correlationid};
  auto now = events::parse_rfc3339(env.time);
  ctx.now = now ? format_rfc3339(*now) : env.time;
  ctx.policy = policy_;

  const auto current = load_order(store_, order_id);
  int year = 0;
  std::uint64_t seq = 0;
  if (auto* sale = std::get_if<RegisterSale>(&input.value())) {
    year = year_of(ctx.now);
    seq = load_sequence(store_, e.record.partition(), year) + 1;
    sale->order_number = format_order_number(year, e.record.partition(), seq);
  }

  const bool is_command = !from_factory;
  auto outcome = decide(current, *input, ctx);
  if (auto* refused = std::get_if<Refused>(&outcome)) {
    if (refused->kind == RefusalKind::duplicate) return HandlerOutcome::applied();
    const std::string state = refused->current_state ? std::string(to_string(*refused->current_state)) : "";
    const char* source = from_factory ? "factory" : (env.type == "order.expire-payment-deadline" ? "deadline" : "api");
    if (probe_ && refused->kind != RefusalKind::not_found) probe_->illegal.Add({{"source", source}}).Increment();
    if (role_ == HandlerRole::owner) {
      log_.warn("input refused", {{"order_id", order_id},
                                  {"operation", env.type},
                                  {"status", "refused"},
                                  {"event_id", env.id},
                                  {"current_state", state},
                                  {"error", refused->message}});
    }
    // Factory events that do not fit are dead letters (the key gets parked);
    // an API command's refusal is its answer (409 / 404).
    if (from_factory) return HandlerOutcome::permanent(std::string(to_string(refused->kind)) + ": " + refused->message);
    txn.put(keys::outcome(env.id),
            encode_outcome({false, order_id, std::string(to_string(refused->kind)), refused->message, state}));
    return HandlerOutcome::applied();
  }

  auto& applied = std::get<Applied>(outcome);
  txn.put(keys::order(order_id), to_json(applied.order, JsonView::storage));
  if (seq != 0) txn.put(keys::sequence(e.record.partition(), year), std::to_string(seq));
  if (applied.order.state == State::arrived_at_dealership && !applied.order.payment_deadline.empty()) {
    txn.put(keys::deadline(order_id), applied.order.payment_deadline);
  } else if (applied.from == State::arrived_at_dealership) {
    txn.del(keys::deadline(order_id));
  }
  if (is_command) txn.put(keys::outcome(env.id), encode_outcome({true, order_id, "", "", ""}));
  if (role_ == HandlerRole::replica) return HandlerOutcome::applied();

  if (!enqueue_events(ctx, applied.events, txn)) {
    return HandlerOutcome::permanent("an emitted event failed its schema (bug): see the error log");
  }
  if (probe_) {
    if (std::holds_alternative<RegisterSale>(*input)) probe_->created.Increment();
    if (applied.from && applied.to) {
      probe_->transitions
          .Add({{"from", std::string(to_string(*applied.from))}, {"to", std::string(to_string(*applied.to))}})
          .Increment();
      if (*applied.to == State::unassigned) probe_->deadline_expiries.Increment();
    }
  }
  log_.info("order updated", {{"order_id", order_id},
                              {"order_number", applied.order.order_number},
                              {"customer_id", applied.order.sale.customer_id},
                              {"operation", env.type},
                              {"status", "applied"},
                              {"state", std::string(to_string(applied.order.state))},
                              {"event_id", env.id}});
  return HandlerOutcome::applied();
}

bool OrderHandler::enqueue_events(const Context& ctx, const std::vector<Emitted>& emitted, store::WriteTxn& txn) {
  const auto now = events::parse_rfc3339(ctx.now);
  const auto when = now ? *now : std::chrono::system_clock::now();
  const auto at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  for (const auto& ev : emitted) {
    const std::string_view topic = ev.type == "factory.place-order" ? kFactoryCommandsTopic : kOrderEventsTopic;
    auto record = emitter_.make({topic, ev.type, ctx.order_id, ev.data, derive_event_id(ctx.cause.event_id, ev.type),
                                 ctx.cause.correlation_id, ctx.cause.event_id},
                                at_ms);
    if (!record) {
      log_.error("cannot build event (or it violates its schema)",
                 {{"type", ev.type}, {"order_id", ctx.order_id}, {"error", record.error().message}});
      return false;
    }
    txn.enqueue(std::move(record.value()));
  }
  return true;
}

}  // namespace caas::order
