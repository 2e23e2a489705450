#include "app/event_handlers.hpp"

#include "clients/factory_api.hpp"
#include "domain/events.hpp"
#include "domain/json.hpp"
#include "store/projection.hpp"

namespace caas::factory {

using service::HandlerOutcome;

HandlerOutcome EventHandlers::on_command(const service::ConsumedEvent& event, store::WriteTxn& txn) {
  if (event.envelope.type != "factory.place-order") return HandlerOutcome::applied();  // not ours to act on
  auto doc = parse_object(event.envelope.data);
  if (!doc) return HandlerOutcome::permanent("data is not a JSON object");
  const auto order_id = string_or(*doc, "order_id");
  const auto customer_id = string_or(*doc, "customer_id");
  const auto idempotency_key = string_or(*doc, "idempotency_key");
  auto done = store_.placement(order_id);
  if (done || store_.pending(order_id)) {
    // The idempotency key is per order: a repeated command (a re-sent
    // reservation payment, a replay after the outcome was rebuilt from
    // caas.factory.events.v1) must not start a second placement.
    if (done) complete_outcome(*done, idempotency_key, customer_id, txn);
    log_.info("place-order for an order already being placed or placed: ignored", {{"operation", "order_placement"},
                                                                                   {"order_id", order_id},
                                                                                   {"customer_id", customer_id},
                                                                                   {"event_id", event.envelope.id}});
    return HandlerOutcome::applied();
  }
  PendingPlacement p;
  p.order_id = order_id;
  p.order_number = string_or(*doc, "order_number");
  p.idempotency_key = idempotency_key;
  p.customer_id = customer_id;
  p.correlation_id = event.envelope.correlationid;
  p.causation_id = event.envelope.id;
  p.request_body = placement_request_body(event.envelope.data);
  p.created_at_ms = emitter_.now_ms();
  p.next_attempt_at_ms = p.created_at_ms;
  AdapterStore::put(txn, p);
  log_.info("placement queued", {{"operation", "order_placement"},
                                 {"status", "queued"},
                                 {"order_id", order_id},
                                 {"customer_id", customer_id},
                                 {"correlation_id", p.correlation_id}});
  if (placement_queued_) placement_queued_();
  return HandlerOutcome::applied();
}

void EventHandlers::complete_outcome(PlacementRecord& done, std::string_view idempotency_key,
                                     std::string_view customer_id, store::WriteTxn& txn) {
  // An outcome rebuilt from the event log lacks what only the command says.
  if (complete_placement(done, idempotency_key, customer_id)) AdapterStore::put(txn, done);
  if (done.factory_order_id.empty() || customer_id.empty()) return;
  struct Written {
    std::uint64_t written_rev = 0;
  };
  locks_.handler_section(store_, done.factory_order_id, [&]() -> Written {
    auto rec = store_.factory_order(done.factory_order_id);
    if (!rec || !rec->customer_id.empty()) return {};
    rec->customer_id = std::string(customer_id);
    ++rec->rev;
    AdapterStore::put(txn, *rec);
    return {rec->rev};
  });
}

HandlerOutcome EventHandlers::on_factory_status(const service::ConsumedEvent& event, store::WriteTxn& txn) {
  if (event.envelope.type != "ingress.factory-status") return HandlerOutcome::applied();
  auto doc = parse_object(event.envelope.data);
  if (!doc) return HandlerOutcome::permanent("data is not a JSON object");
  const auto factory_order_id = string_or(*doc, "order_id");
  const auto status = parse_factory_status(string_or(*doc, "status"));
  const auto ts_text = string_or(*doc, "timestamp");
  const auto ts = rfc3339_ms(ts_text);
  const auto received = rfc3339_ms(string_or(*doc, "received_at"));
  if (!status || !ts || !received) return HandlerOutcome::permanent("status, timestamp or received_at invalid");
  const auto received_ms = *received;
  const auto ts_ms = *ts;

  struct Outcome {
    HandlerOutcome outcome;
    std::uint64_t written_rev = 0;
    Verdict verdict = Verdict::not_applied;
    std::string order_id;
    std::string customer_id;
    std::string reason;
  };
  auto out = locks_.handler_section(store_, factory_order_id, [&]() -> Outcome {
    auto rec = store_.factory_order(factory_order_id);
    if (!rec) {
      // The webhook may have overtaken our own placement record (the ingress
      // accepts unknown orders during a grace period): it waits, set aside by
      // key, until the placement is recorded, and is dead-lettered after the grace.
      return {HandlerOutcome::not_yet_known("factory order " + factory_order_id +
                                            " not placed by this adapter (yet): the webhook may have overtaken its "
                                            "placement"),
              0,
              Verdict::not_applied,
              "",
              "",
              "unknown factory order"};
    }
    const auto decision = decide_status(rec->status, *status, ts_ms);
    if (decision.verdict == Verdict::duplicate) {
      return {HandlerOutcome::applied(), 0, decision.verdict, rec->order_id, rec->customer_id, decision.reason};
    }
    // Recorded (and stamped on the event) at the same instant, so the
    // projection of the event log rebuilds this very entry.
    const auto now_ms = emitter_.now_ms();
    const StatusEntry entry{
        *status, ts_text,          ts_ms, std::string(kSourceWebhook), decision.verdict == Verdict::applied,
        now_ms,  event.envelope.id};
    project_status(*rec, entry);
    ++rec->rev;
    AdapterStore::put(txn, *rec);
    StatusDetails details{string_or(*doc, "estimated_completion_date"), string_or(*doc, "notes"),
                          string_or(*doc, "location")};
    auto record =
        emitter_.make({kFactoryEventsTopic, kStatusChanged, rec->order_id,
                       status_changed_data(rec->order_id, factory_order_id, entry, decision.previous, details),
                       derive_event_id("factory.status-changed/webhook", event.envelope.id),
                       event.envelope.correlationid, event.envelope.id},
                      now_ms);
    if (!record) {
      return {HandlerOutcome::permanent("cannot build factory.status-changed: " + record.error().message),
              0,
              decision.verdict,
              rec->order_id,
              rec->customer_id,
              decision.reason};
    }
    txn.enqueue(std::move(record.value()));
    return {HandlerOutcome::applied(), rec->rev, decision.verdict, rec->order_id, rec->customer_id, decision.reason};
  });

  if (out.outcome.kind() == HandlerOutcome::Kind::not_yet_known) {
    // Neither success nor failure yet: counted when it is taken back (or dead-lettered).
    log_.debug("factory webhook waits for its placement",
               {{"operation", "webhook_received"}, {"factory_order_id", factory_order_id}, {"timestamp", ts_text}});
    return out.outcome;
  }
  const auto latency_ms = std::max<std::int64_t>(0, emitter_.now_ms() - received_ms);
  const bool failed = out.outcome.kind() != HandlerOutcome::Kind::applied;
  const bool duplicate = !failed && out.verdict == Verdict::duplicate;
  const char* outcome = failed ? "failure" : duplicate ? "duplicate" : "success";
  probe_.webhooks.Add({{"outcome", outcome}}).Increment();
  if (duplicate) probe_.duplicates.Increment();
  if (!failed && !duplicate) {
    probe_.webhook_latency.with({}).Observe(static_cast<double>(latency_ms) / 1000.0);
    probe_.status_events.Add({{"source", "webhook"}, {"applied", out.verdict == Verdict::applied ? "true" : "false"}})
        .Increment();
  }
  log_.log(failed ? observability::LogLevel::warn : observability::LogLevel::info,
           duplicate ? "duplicate factory webhook ignored"
           : failed  ? "factory webhook not processed"
                     : "factory status recorded",
           {{"operation", "webhook_received"},
            {"status", failed ? "failure" : "success"},
            {"order_id", out.order_id},
            {"customer_id", out.customer_id},
            {"factory_order_id", factory_order_id},
            {"factory_status", std::string(to_string(*status))},
            {"timestamp", ts_text},
            {"verdict", std::string(to_string(out.verdict))},
            {"error_details", failed ? out.outcome.reason() : out.reason},
            {"latency_ms", latency_ms}});
  return out.outcome;
}

}  // namespace caas::factory
