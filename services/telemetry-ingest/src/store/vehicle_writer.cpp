#include "store/vehicle_writer.hpp"

#include "domain/vehicle_events.hpp"

namespace caas::telemetry {

namespace {

void stage_timeline(const StageContext& ctx, store::WriteTxn& txn, VehicleRecord& rec, const Reading& r,
                    SeqVerdict verdict) {
  const auto key = keys::timeline(r.vin, r.time_ms, r.seq);
  if (rec.timeline_entries >= ctx.limits.timeline_max) {
    auto oldest = ctx.store.oldest_timeline_key(r.vin);
    // Full, and older than everything kept: it would be the one dropped.
    if (oldest && key < *oldest) return;
    if (oldest) {
      txn.del(*oldest);
      --rec.timeline_entries;
    }
  }
  txn.put(key, encode_timeline_entry(r, verdict));
  ++rec.timeline_entries;
}

void stage_intervals(const StageContext& ctx, store::WriteTxn& txn, VehicleRecord& rec, const Outcome& out) {
  // One outcome writes distinct interval keys (a close and a new start, or a
  // reopen): an interval is new exactly when its key is not stored yet.
  for (const auto& i : out.intervals) {
    const auto key = keys::interval(out.state.vin, i.from_ms);
    if (!ctx.store.has(key)) ++rec.intervals;
    txn.put(key, encode_interval(i));
  }
  // At most one new interval per outcome, so one removal keeps the bound.
  if (rec.intervals > ctx.limits.intervals_max) {
    if (auto oldest = ctx.store.oldest_interval_key(out.state.vin)) {
      txn.del(*oldest);
      --rec.intervals;
    }
  }
}

}  // namespace

Result<VehicleRecord> stage_outcome(const StageContext& ctx, store::WriteTxn& txn,
                                    const std::optional<VehicleRecord>& before, const Outcome& out,
                                    const Reading* reading) {
  VehicleRecord rec = before.value_or(VehicleRecord{});
  std::vector<kafka::Record> records;
  for (const auto& ev : out.events) {
    service::OutboundEvent e;
    e.topic = kVehicleEventsTopic;
    e.type = ev.type;
    e.key = out.state.vin;
    e.data = ev.data;
    e.event_id = ev.id;
    e.correlation_id = ctx.correlation_id;
    e.causation_id = ctx.causation_id;
    auto record = ctx.emitter.make(e, ev.at_ms);
    if (!record) return record.error();
    records.push_back(std::move(*record));
  }
  if (reading) stage_timeline(ctx, txn, rec, *reading, out.verdict);
  stage_intervals(ctx, txn, rec, out);
  if (out.removed_deadline) txn.del(keys::deadline(*out.removed_deadline, out.state.vin));
  if (out.added_deadline) txn.put(keys::deadline(*out.added_deadline, out.state.vin), "");
  rec.state = out.state;
  txn.put(keys::vehicle(out.state.vin), encode_vehicle(rec));
  for (auto& r : records) txn.enqueue(std::move(r));
  return rec;
}

}  // namespace caas::telemetry
