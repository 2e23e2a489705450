#include "handlers/commands_handler.hpp"

namespace caas::ota {

using service::HandlerOutcome;

HandlerOutcome CommandsHandler::operator()(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged) {
  const auto& type = e.envelope.type;
  if (type == "ota.request-service") return request(e, txn, staged);
  if (type == "ota.transfer-owner") return transfer(e, txn);
  if (type == "ota.command-posted" || type == "ota.status-observed" || type == "ota.timer-fired") {
    return observation(e, txn, staged);
  }
  return HandlerOutcome::permanent("unexpected type " + type + " on caas.ota.commands.v1");
}

HandlerOutcome CommandsHandler::request(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged) {
  auto r = parse_request(e.envelope.data);
  if (!r) return HandlerOutcome::permanent("ota.request-service data unreadable");
  if (deps_.ctx.store.activation(r->activation_id)) return HandlerOutcome::applied();  // applied before
  const auto* service = deps_.ctx.catalogue.find(r->service_code);
  if (!service || !service->platforms.count(r->platform)) {
    // The catalogue changed since the API accepted it. Not a dead letter: that
    // would park every later record of the vehicle (park_failed_keys).
    deps_.log.error("request for a service no longer in the catalogue, ignored",
                    {{"vin", r->vin}, {"activation_id", r->activation_id}, {"service_code", r->service_code}});
    return HandlerOutcome::applied();
  }
  const auto now = r->requested_ms ? r->requested_ms : envelope_ms(e.envelope);
  VehicleStep step(deps_.ctx, r->vin, now);
  auto a = make_activation(r->activation_id, r->vin, r->customer_id, *service, r->platform, r->operation,
                           r->payment_authorization, now);
  a.idempotency_key = r->idempotency_key;
  a.requested_by = r->requested_by;
  auto& added = step.add(std::move(a));
  if (step.head() == &added) step.take(added, deps_.ctx.engine.start(added, step.vehicle(), now));
  auto written = step.write(txn, e.envelope.correlationid, e.envelope.id, staged);
  if (!written) return HandlerOutcome::permanent("emitted event failed its schema: " + written.error().message);
  staged.requested += r->operation == Operation::activation ? 1 : 0;
  staged.accepted += 1;
  staged.release_keys.push_back(r->vin);  // acknowledgements waiting for it
  deps_.log.info("activation requested", {{"vin", r->vin},
                                          {"activation_id", r->activation_id},
                                          {"service_code", r->service_code},
                                          {"operation", std::string(to_string(r->operation))},
                                          {"correlation_id", e.envelope.correlationid}});
  return HandlerOutcome::applied();
}

HandlerOutcome CommandsHandler::transfer(const service::ConsumedEvent& e, store::WriteTxn& txn) {
  auto t = parse_transfer(e.envelope.data);
  if (!t) return HandlerOutcome::permanent("ota.transfer-owner data unreadable");
  auto owner = deps_.ctx.store.owner(t->vin).value_or(Owner{});
  if (owner.since_ms > t->at_ms) return HandlerOutcome::applied();  // a later owner is already known
  owner.customer_id = t->customer_id;
  owner.since_ms = t->at_ms;
  txn.put(keys::owner(t->vin), encode(owner));
  deps_.log.info("vehicle owner transferred", {{"vin", t->vin},
                                               {"customer_id", t->customer_id},
                                               {"previous_customer_id", t->previous_customer_id},
                                               {"correlation_id", e.envelope.correlationid}});
  return HandlerOutcome::applied();
}

HandlerOutcome CommandsHandler::observation(const service::ConsumedEvent& e, store::WriteTxn& txn, Staged& staged) {
  const auto& type = e.envelope.type;
  const auto now = envelope_ms(e.envelope);
  std::string id;
  std::optional<PostResult> posted;
  std::optional<StatusSnapshot> status;
  std::optional<TimerFired> timer;
  if (type == "ota.command-posted") {
    auto p = parse_posted(e.envelope.data);
    if (!p) return HandlerOutcome::permanent("ota.command-posted data unreadable");
    id = p->first;
    posted = p->second;
  } else if (type == "ota.status-observed") {
    auto s = parse_status_observed(e.envelope.data);
    if (!s) return HandlerOutcome::permanent("ota.status-observed data unreadable");
    id = s->first;
    status = std::move(s->second);
  } else {
    timer = parse_timer(e.envelope.data);
    if (!timer) return HandlerOutcome::permanent("ota.timer-fired data unreadable");
    id = timer->activation_id;
  }
  VehicleStep step(deps_.ctx, std::string(e.record.key()), now);
  auto* a = step.activation(id);
  // Same topic and key as its request, so the request was applied first.
  if (!a) {
    deps_.log.warn("observation of an unknown activation, ignored", {{"activation_id", id}, {"type", type}});
    return HandlerOutcome::applied();
  }
  if (terminal(a->state)) return HandlerOutcome::applied();
  // An observation of something the store does not hold yet (the attempt, the
  // query or the timer it answers): only in a replay, where this topic can be
  // read ahead of the acknowledgement that created it. It waits for it.
  if ((posted && posted->attempt > static_cast<int>(a->attempts.size())) ||
      (status && status->query_seq > a->query_seq) || (timer && timer->seq > a->timer.seq)) {
    return HandlerOutcome::not_yet_known(type + " for a step of " + id + " not recorded yet");
  }
  const auto& engine = deps_.ctx.engine;
  Effects fx;
  if (posted) {
    fx = engine.on_posted(*a, step.vehicle(), *posted, now);
  } else if (status) {
    fx = engine.on_status(*a, step.vehicle(), *status, now);
  } else {
    fx = engine.on_timer(*a, step.vehicle(), timer->seq, now);
  }
  step.take(*a, std::move(fx));
  auto written = step.write(txn, e.envelope.correlationid, e.envelope.id, staged);
  if (!written) return HandlerOutcome::permanent("emitted event failed its schema: " + written.error().message);
  return HandlerOutcome::applied();
}

}  // namespace caas::ota
